# hsad: `make setup` once, then `make test`. Everything runs headless.
SHELL        := /bin/bash
.SHELLFLAGS  := -eu -o pipefail -c
PY_SYS       := /usr/bin/python3
VENV         := $(CURDIR)/.venv
PY           := $(VENV)/bin/python
PIP          := $(VENV)/bin/pip
# pins every compiled Debian Python package (numpy, GDAL, rasterio...) at its installed version
DEB_PINS     := $(VENV)/debian-constraints.txt
# libopenblas0-pthread: numpy's BLAS; without it Debian 13 gives numpy the reference BLAS, single
# threaded and 4x slower on RX's covariance (X^T X + inverse, 262144 x 200: 26.8 s against 6.6 s)
APT_PKGS     := qgis python3-qgis qgis-providers gdal-bin python3-gdal python3-rasterio \
                python3-scipy python3-h5py python3-matplotlib python3-sklearn python3-tqdm \
                python3-dask python3-distributed python3-threadpoolctl python3-venv libopenblas0-pthread \
                xvfb xauth

# A throwaway QGIS profile and plugin folder, so tests never touch a user's QGIS.
RUNTIME      := $(CURDIR)/.runtime
export QT_QPA_PLATFORM := offscreen
export XDG_DATA_HOME   := $(RUNTIME)/xdg-data
export XDG_RUNTIME_DIR := $(RUNTIME)/xdg-runtime
export QGIS_PLUGINPATH := $(RUNTIME)/plugins
export PATH            := $(VENV)/bin:$(PATH)

.PHONY: setup apt venv link check test test-fast compat demo research bench bench-quality bench-speed bench-memory bench-threshold bench-lrx-loading bench-backends bench-target train \
        screenshots package clean help

help:
	@echo "make setup        install QGIS, GDAL and the Python environment (.venv); safe to rerun"
	@echo "make test         run the whole test suite headless"
	@echo "make compat       the Processing tests and the demo in Debian 13 (QGIS 3.40 LTR) and unstable (3.44) roots"
	@echo "make demo         detect anomalies in a generated scene through qgis_process"
	@echo "make demo-real    a real EnMAP mosaic: whole, an area, without its water (../shared)"
	@echo "make bench        every benchmark in docs/benchmarks.md (about 20 minutes)"
	@echo "make train        retrain the shipped detector weights (CPU, about 2 minutes)"
	@echo "make screenshots  regenerate docs/img/ from the real QGIS desktop under Xvfb"
	@echo "make package      dist/hsad-<version>.zip for QGIS's 'Install from ZIP'"
	@echo "make research     the lab's experiments (python -m hsad.research EXPERIMENT)"

setup: apt venv link check

apt:
	@if dpkg-query -W -f='$${Status}\n' $(APT_PKGS) 2>/dev/null | grep -vq 'install ok installed' \
	    || [ $$(dpkg-query -W -f='$${Status}\n' $(APT_PKGS) 2>/dev/null | wc -l) -ne $(words $(APT_PKGS)) ]; then \
	  echo "installing Debian packages: $(APT_PKGS)"; \
	  sudo=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  $$sudo apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $(APT_PKGS) >/dev/null; \
	else echo "Debian packages already installed"; fi

# Debian 12 and 13 alike: pip works under constraints.txt and $(DEB_PINS), written here from
# the Debian packages installed (scripts/setup/debian_constraints.py), so it can never replace
# Debian's numpy, GDAL or rasterio; torch is a CPU build, from pip or Debian (scripts/setup/torch.sh).
venv:
	@[ -x $(PY) ] || $(PY_SYS) -m venv --system-site-packages $(VENV)
	@$(PY_SYS) scripts/setup/debian_constraints.py > $(DEB_PINS).tmp && mv $(DEB_PINS).tmp $(DEB_PINS)
	@scripts/setup/torch.sh $(PY) $(DEB_PINS)
	$(PIP) install -q --disable-pip-version-check -c constraints.txt -c $(DEB_PINS) -r requirements-dev.txt

# The package imports as `hsad` whatever this folder is called: install it editable into the
# venv (pyproject.toml: the `hsad` command too), and give QGIS a plugin folder holding `hsad`.
link:
	@site=$$($(PY) -c "import sysconfig; print(sysconfig.get_paths()['purelib'])"); \
	if [ -L $$site/hsad ]; then rm $$site/hsad; fi  # the symlink of hsad 0.1 setups
	$(PIP) install -q --disable-pip-version-check --no-build-isolation --no-deps -e .
	@mkdir -p $(QGIS_PLUGINPATH) $(XDG_DATA_HOME) $(XDG_RUNTIME_DIR) && chmod 700 $(XDG_RUNTIME_DIR)
	@ln -sfn $(CURDIR) $(QGIS_PLUGINPATH)/hsad

# Versions, and the rule that matters on every Debian: numpy and GDAL are Debian's own (pip's
# numpy beside Debian's GDAL is what breaks osgeo.gdal_array and rasterio).
check:
	@cd / && $(PY) -c "import sys, qgis.core, osgeo.gdal_array, rasterio, torch, numpy, hsad; \
	foreign = [m.__name__ + ' from ' + m.__file__ for m in (numpy, osgeo.gdal_array, rasterio) \
	          if not m.__file__.startswith('/usr/lib/python3/dist-packages/')]; \
	assert not foreign, 'not Debian\'s own: ' + ', '.join(foreign); \
	print('Python', sys.version.split()[0], '| QGIS', qgis.core.Qgis.QGIS_VERSION, '| GDAL', osgeo.gdal.__version__, \
	'| rasterio', rasterio.__version__, '| numpy', numpy.__version__, '| torch', torch.__version__, '| hsad', hsad.__version__)"

test:
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -q tests

test-fast:
	$(PY) -m pytest -q -x tests -m "not slow"

# Debian 13 (QGIS 3.40 LTR, numpy 2) and Debian unstable (QGIS 3.44) roots built by debootstrap
# (reused when present, in $${HSAD_ROOTS:-/var/cache/hsad/roots}); writes docs/compatibility.md.
compat:
	$$([ "$$(id -u)" -eq 0 ] || echo sudo) scripts/compat/run_all.sh host trixie sid

demo:
	$(PY) scripts/demo.py

.PHONY: demo-real
demo-real:
	$(PY) scripts/demo_real.py

bench: bench-quality bench-speed bench-threshold bench-lrx-loading bench-backends bench-target

bench-quality:
	$(PY) scripts/benchmarks.py quality

bench-speed:
	$(PY) scripts/benchmarks.py speed

bench-memory: bench-speed  # one run measures both

bench-threshold:
	$(PY) scripts/benchmarks.py threshold

bench-lrx-loading:
	$(PY) scripts/benchmarks.py lrx-loading

bench-backends:
	$(PY) scripts/benchmarks.py backends

bench-target:
	$(PY) scripts/benchmarks.py target

train:
	$(VENV)/bin/hsad train

research:
	$(PY) -m hsad.research --help

screenshots:
	$(PY) scripts/screenshots.py

# The plugin zip for QGIS's "Install from ZIP": the version from metadata.txt, the plugin and
# the engine, the shipped weights; no tests, lab, scripts or build files. Needs no .venv.
package:
	$(PY_SYS) scripts/package.py

clean:
	rm -rf $(RUNTIME) build dist .pytest_cache .import_linter_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
