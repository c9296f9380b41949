"""Bundles the core module at build time (see build_module.py); metadata is in pyproject.toml."""

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_module  # noqa: E402


class BuildPyWithModule(build_py):
    """Copies ../pkg/core/procura.wasm in (when this is a checkout of the repository)."""

    def run(self) -> None:
        if build_module.DEFAULT_MODULE.is_file():
            build_module.build(build_module.DEFAULT_MODULE)
        if not (build_module.PACKAGE / "procura.wasm").is_file() or not (
            build_module.PACKAGE / "_module_hash.py"
        ).is_file():
            raise SystemExit(
                "procura: no core module to bundle: run scripts/build-core.sh "
                "(pkg/core/procura.wasm), or python/build_module.py MODULE"
            )
        super().run()


setup(cmdclass={"build_py": BuildPyWithModule})
