# Sahayatri: `make run` starts everything, `make test` runs every check. `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help

RASA_PY := .venv-rasa/bin/python
GATEWAY_PY := .venv-gateway/bin/python
FLASK := .venv-gateway/bin/flask --app 'webhooks:create_app()'
RUFF := .venv-gateway/bin/ruff
LINT_PATHS := bot actions webhooks scripts tests bench

# Rasa's endpoints.yml reads these; `make run` takes them from .env, other targets use these.
export ACTION_SERVER_URL ?= http://127.0.0.1:5055/webhook
export RASA_TRACKER_DB ?= var/rasa-tracker.db

.PHONY: help setup env train migrate run run-scaled test test-postgresql lint format sms eval-lang eval-nlu eval-dialogue content-check catalogue vendor lock clean voice-prompts
.PHONY: status restart logs

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

setup: ## create/refresh the two virtual environments from the lock files (idempotent)
	@bash scripts/setup.sh

env: setup ## create .env from .env.example and generate missing secrets
	@$(GATEWAY_PY) scripts/ensure_env.py

train: setup ## train the Rasa model if training data or config changed
	@$(RASA_PY) scripts/train.py

migrate: env ## apply database migrations, seed the referral directory, create the first account
	@mkdir -p var
	@$(FLASK) db upgrade
	@$(FLASK) referrals seed
	@$(FLASK) users bootstrap

run: env train migrate voice-prompts ## start everything under supervisord (restarts what crashes; Ctrl-C stops all)
	@set -a; source .env; set +a; \
	echo ""; \
	echo "Sahayatri is starting (Rasa takes ~30 s to load the model):"; \
	echo "  web chat (demo):   http://$$HOST:$$PORT/"; \
	echo "  counsellor console: http://$$HOST:$$PORT/console"; \
	echo "  health:            http://$$HOST:$$PORT/readyz"; \
	echo "  Twilio webhook:    $$PUBLIC_BASE_URL/webhooks/twilio/messages"; \
	echo "  try SMS:           make sms TEXT=\"namaste\""; \
	echo "  processes, logs:   make status, make logs (var/supervisor/log/)"; \
	echo ""; \
	exec $(GATEWAY_PY) scripts/supervise.py --procfile Procfile --state var/supervisor

status: ## the running processes (supervisorctl status); restart one with `make restart P=rasa`
	@.venv-gateway/bin/supervisorctl -c var/supervisor/supervisord.conf status

P ?= all
restart: ## restart one process of `make run` (P=gateway|rasa|actions|worker) or all
	@.venv-gateway/bin/supervisorctl -c var/supervisor/supervisord.conf restart $(P)

logs: ## follow the logs of the processes started by `make run`
	@tail -n 20 -F var/supervisor/log/*.log

run-scaled: env train ## two Rasa, two gateways, two workers over local PostgreSQL and Redis
	@mkdir -p var
	@set -a; source .env; set +a; exec $(GATEWAY_PY) scripts/run_scaled.py

GATEWAY_UNIT_TESTS := tests/gateway tests/console tests/referrals

test: setup ## run every check: lint, content, unit, bot and end-to-end tests
	@$(RUFF) check $(LINT_PATHS)
	@$(RUFF) format --check $(LINT_PATHS)
	@$(RASA_PY) -m scripts.content_check
	@$(RASA_PY) -m pytest tests/bot tests/actions tests/bot_data
	@$(GATEWAY_PY) -m pytest $(GATEWAY_UNIT_TESTS) tests/fuzz tests/browser tests/e2e
	@$(MAKE) --no-print-directory test-postgresql

test-postgresql: setup ## the gateway's tests again, on a private PostgreSQL server
	@TEST_DATABASE=postgresql $(GATEWAY_PY) -m pytest $(GATEWAY_UNIT_TESTS)

lint: setup ## ruff lint and format check
	@$(RUFF) check $(LINT_PATHS) && $(RUFF) format --check $(LINT_PATHS)

format: setup ## apply ruff fixes and formatting
	@$(RUFF) check --fix $(LINT_PATHS); $(RUFF) format $(LINT_PATHS)

FROM ?= +9779800000001
TEXT ?= namaste
sms: env ## send TEXT as a signed Twilio SMS to the running gateway, e.g. make sms TEXT="malai help chahiyo"
	@$(FLASK) sms --from "$(FROM)" "$(TEXT)"

eval-lang: setup ## language-form detection accuracy vs raw langdetect, and timing
	@$(RASA_PY) -m bot.language.evaluate

eval-nlu: setup ## train NLU on the training split, report per-form F1 on the held-out set
	@$(RASA_PY) -m scripts.eval_nlu

SPLIT ?= dev
eval-dialogue: train ## the real service on independent first messages: make eval-dialogue [SPLIT=test] [REUSE=url]
	@$(GATEWAY_PY) -m scripts.eval_dialogue --split $(SPLIT) $(if $(REUSE),--reuse $(REUSE))

content-check: setup ## validate answer content, SMS budgets and training data
	@$(RASA_PY) -m scripts.content_check

voice-prompts: setup ## generate placeholder audio for the hotline's prompts (espeak-ng) and list which are placeholders
	@$(GATEWAY_PY) -m scripts.voice_prompts

catalogue: setup ## write the reviewers' content catalogue to docs/catalogue/
	@$(RASA_PY) -m scripts.catalogue

vendor: setup ## fetch the vendored browser libraries again from npm and check them (needs npm)
	@$(GATEWAY_PY) scripts/vendor_npm.py --fetch

lock: setup ## re-pin requirements/*.lock from requirements/*.in
	@for env in rasa gateway; do \
	  .tools/bin/uv pip compile --quiet --python-version 3.10 --python-platform x86_64-manylinux_2_28 \
	    requirements/$$env.in -o requirements/$$env.lock; done

clean: ## remove environments, models and local state (keeps .env)
	rm -rf .venv-rasa .venv-gateway .tools .stamps models/*.tar.gz var .pytest_cache .ruff_cache
