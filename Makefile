# Thin wrappers over the npm scripts, so the seed README's commands work.
IMG ?= mysql-raft-operator:dev
OVERLAY ?= kustomize/overlays/cert-manager

.PHONY: all build run test test-e2e gen-crds bench docker-build docker-push deploy undeploy
all: build
build:
	npm run build
test:
	npm test
# The manager on this machine: npm packages if missing, a self-signed webhook certificate in .certs/.
run:
	[ -d node_modules ] || npm ci --no-audit --no-fund
	[ -f .certs/tls.crt ] || npm run -s gen:certs -- --out .certs >/dev/null
	npx mysql-raft-operator manager --cert-dir .certs --bind-address 127.0.0.1
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
