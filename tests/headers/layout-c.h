#pragma once
/* Layout facts computed by the C compiler (layout-c.c), compared against C++ in layout-test. */

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct aap_layout_entry {
    const char* name;   /* "type" for a size entry, "type.member" for a member entry */
    size_t offset;      /* 0 for a size entry */
    size_t size;
} aap_layout_entry;

size_t aap_layout_c_count(void);
const aap_layout_entry* aap_layout_c_entry(size_t index);

#ifdef __cplusplus
}
#endif
