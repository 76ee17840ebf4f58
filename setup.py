"""Package-dir mapping and the Gymnasium auto-registration hook (metadata lives in pyproject.toml).

envs/, agents/ and reward_design/ sit at the top level of the repository but install under the
mathgym namespace, because bare names like `agents` collide with other installed packages.
"""

import os
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py
from setuptools.command.editable_wheel import editable_wheel

ROOTS = {
    "mathgym": "mathgym",
    "mathgym.envs": "envs",
    "mathgym.agents": "agents",
    "mathgym.reward_design": "reward_design",
}
PTH = "mathgym-gymnasium.pth"  # see mathgym/_gym_hook.py


class BuildPyWithPth(build_py):
    """Also puts the .pth file at the root of site-packages (plain and editable installs)."""

    def run(self) -> None:
        super().run()
        self.copy_file(PTH, os.path.join(self.build_lib, PTH))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        return super().get_outputs(include_bytecode) + [os.path.join(self.build_lib, PTH)]

    def get_output_mapping(self) -> dict[str, str]:
        mapping = super().get_output_mapping()
        mapping[os.path.join(self.build_lib, PTH)] = PTH
        return mapping


class EditableWheelWithPth(editable_wheel):
    """Editable installs build their wheel without build_py's outputs: add the .pth beside dist-info."""

    def _install_namespaces(self, installation_dir: str, pth_prefix: str) -> None:
        super()._install_namespaces(installation_dir, pth_prefix)
        shutil.copy(PTH, os.path.join(installation_dir, PTH))


packages = []
package_dir = {}
for name, folder in ROOTS.items():
    for sub in [""] + find_packages(folder):
        full = f"{name}.{sub}" if sub else name
        packages.append(full)
        package_dir[full] = f"{folder}/{sub.replace('.', '/')}" if sub else folder

setup(
    packages=packages,
    package_dir=package_dir,
    cmdclass={"build_py": BuildPyWithPth, "editable_wheel": EditableWheelWithPth},
)
