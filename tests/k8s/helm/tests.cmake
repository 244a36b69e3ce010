# tests/k8s/helm: the Helm chart charts/arbor without a cluster (label k8s). helm and the
# validators come from scripts/install_npm_tools.sh (tests/k8s/helm/bin/helm,
# tests/k8s/helm/node/node_modules); without them the tests fail, never skip.
#   helm.lint           helm lint --strict, defaults and every charts/arbor/ci/*-values.yaml
#   helm.render_schema  every rendered object schema-checked (kubernetes-models, prometheus-operator
#                       models, unknown fields; TradingPolicy against the CRD)
#   helm.semantics      labels, selectors, restricted PSS, no default resources, tokens, secrets,
#                       shard count, flags, least-privilege RBAC, NetworkPolicies, alerts, CRD
#   helm.values_schema  values.schema.json (and template checks) reject bad values, naming them
#   helm.yamllint       chart files and renderings
#   helm.sync_files     chart copies == canonical CRD, alert rules, simulator scenario
#   helm.dashboard      Grafana dashboard JSON, documented metrics only
#   helm.notes          NOTES.txt renders for each values file
foreach(case lint render_schema semantics values_schema yamllint sync_files dashboard notes)
  add_test(NAME helm.${case}
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/chart_test.py ${case})
  set_tests_properties(helm.${case} PROPERTIES LABELS k8s TIMEOUT 300)
endforeach()
