/* A module that locks a mutex, loaded by consumer_rt_guard_check with dlopen(): its call must
 * reach the guard's pthread_mutex_lock in the executable. */
#include <pthread.h>

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;

__attribute__((visibility("default"))) void consumer_lock_once(void) {
    pthread_mutex_lock(&mutex);
    pthread_mutex_unlock(&mutex);
}
