# Two real arbor-operator replicas against the fake API server (HTTPS, fault injection) driving a
# real paper arbor-executor with its own throwaway PostgreSQL cluster: leader election, stage
# promotion, 409/410 faults, abort/resume, failover, executor loss, deletion (fail-closed limits).
add_test(NAME k8s.operator_end_to_end
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/operator_test.py
                 --build-dir ${CMAKE_BINARY_DIR} --source-dir ${PROJECT_SOURCE_DIR})
# RUN_SERIAL: five processes and a PostgreSQL cluster; waits are hang guards, not speed checks.
set_tests_properties(k8s.operator_end_to_end PROPERTIES LABELS "k8s" TIMEOUT 300 RUN_SERIAL TRUE)
