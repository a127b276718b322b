# Runs aap-plugin-service with ARGS  and checks its exit code and stderr: a wrong command
# line gets a clear message and exit code 64 (EX_USAGE), never a hang or a crash.
#   -DSERVICE=<path> -DARGS=<arguments joined by |> -DEXPECT_CODE=<n> -DEXPECT_STDERR=<regex>
string(REPLACE "|" ";" ARGS "${ARGS}")
execute_process(COMMAND "${SERVICE}" ${ARGS}
                RESULT_VARIABLE code ERROR_VARIABLE err OUTPUT_VARIABLE out TIMEOUT 10)
if(NOT code STREQUAL "${EXPECT_CODE}")
  message(FATAL_ERROR "aap-plugin-service ${ARGS}: exit '${code}', expected ${EXPECT_CODE}\nstderr: ${err}")
endif()
if(NOT err MATCHES "${EXPECT_STDERR}")
  message(FATAL_ERROR "aap-plugin-service ${ARGS}: stderr does not match '${EXPECT_STDERR}':\n${err}")
endif()
