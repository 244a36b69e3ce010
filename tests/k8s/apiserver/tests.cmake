# tests/k8s/apiserver (included from tests/k8s/CMakeLists.txt, which found Python3): the fake
# API server (fake_apiserver.py) and what runs against it — the real arbor::k8s client (C++
# gtest, one fake per test case with a freshly generated CA) and kubectl (kubectl_test.py).
# Needs openssl, python3-jsonschema, python3-yaml and /usr/bin/kubectl. docs/k8s_client.md.
set(_arbor_k8s_fake_dir ${CMAKE_CURRENT_LIST_DIR})

arbor_cc_test(
  NAME k8s_apiserver_test
  PREFIX k8s.apiserver
  LABEL k8s
  SRCS
    ${_arbor_k8s_fake_dir}/api_client_fake_test.cc
  DEPS
    arbor::k8s
    arbor::testing_support
    absl::strings
    absl::synchronization
)
target_compile_definitions(k8s_apiserver_test PRIVATE
  ARBOR_PYTHON="${Python3_EXECUTABLE}"
  ARBOR_FAKE_APISERVER="${_arbor_k8s_fake_dir}/fake_apiserver.py"
  ARBOR_TEST_CRD="${_arbor_k8s_fake_dir}/testdata/tradingpolicy_crd.yaml")

# kubectl v1.32 against the fake: apply / get (Table printer columns) / patch / schema rejection.
# Uses the real CRD and examples once k8s/crds and k8s/examples exist, else testdata/. Fails (does
# not skip) without kubectl.
add_test(NAME k8s.kubectl_against_fake
         COMMAND ${Python3_EXECUTABLE} ${_arbor_k8s_fake_dir}/kubectl_test.py
                 --source-dir ${PROJECT_SOURCE_DIR})
set_tests_properties(k8s.kubectl_against_fake PROPERTIES LABELS "k8s" TIMEOUT 180)
