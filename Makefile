# Thin wrappers over the npm scripts, so the seed README's commands work.
IMG ?= mysql-raft-operator:dev
OVERLAY ?= kustomize/overlays/cert-manager

.PHONY: all build run test test-e2e gen-crds bench docker-build docker-push deploy undeploy
all: build
build:
	npm run build
test:
	npm test
# The whole system on this machine (docs/local.md): embedded API server, manager with its webhooks
# registered, CRD, and a pod runner. `exec` so that make's signal reaches it; it also stops when make dies.
DATA_DIR ?= .mysql-raft-local
run:
	[ -d node_modules ] || npm ci --no-audit --no-fund
	exec node bin/mysql-raft-operator.js local --data-dir "$(DATA_DIR)"
# The seed README's kubectl flows: kustomize's dev overlay, kubectl, our webhooks, the embedded API server.
test-e2e:
	npx tap test/e2e/*.test.ts
gen-crds:
	npm run gen:crds
bench:
	npm run bench:webhook && npm run bench:raft && npm run bench:mysql && npm run bench:kube
docker-build:
	docker build -t $(IMG) .
docker-push:
	docker push $(IMG)
deploy:
	bash hack/deploy.sh "$(OVERLAY)" "$(IMG)" | kubectl apply --server-side --field-manager=mysql-raft-operator -f -
undeploy:
	bash hack/deploy.sh "$(OVERLAY)" "$(IMG)" | kubectl delete --ignore-not-found -f -
