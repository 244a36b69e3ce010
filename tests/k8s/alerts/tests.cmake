# tests/k8s/alerts: the Prometheus alert rules (k8s/alerts/arbor-alerts.yaml), their promtool
# unit tests (*_test.yaml here) and the conventions lint (docs/alerts.md). Nothing is built: the
# tests run from the source tree. promtool comes from the Debian package `prometheus`
# (scripts/install_deps.sh --tests); alerts_test.py fails, never skips, when it is missing.
set(ARBOR_ALERTS_TEST ${CMAKE_CURRENT_LIST_DIR}/alerts_test.py)
add_test(NAME k8s.alerts.check_rules COMMAND ${Python3_EXECUTABLE} ${ARBOR_ALERTS_TEST} check)
add_test(NAME k8s.alerts.test_rules COMMAND ${Python3_EXECUTABLE} ${ARBOR_ALERTS_TEST} test)
add_test(NAME k8s.alerts.conventions COMMAND ${Python3_EXECUTABLE} ${ARBOR_ALERTS_TEST} lint)
set_tests_properties(k8s.alerts.check_rules k8s.alerts.test_rules k8s.alerts.conventions
                     PROPERTIES LABELS k8s TIMEOUT 120)
