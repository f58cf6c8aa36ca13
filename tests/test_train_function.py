"""``pv.train`` is a plain function; the package pacviz.train keeps its name for imports."""

import subprocess
import sys
import types

import pacviz as pv
import pacviz.train.trainer


def test_pv_train_is_the_training_function_with_the_package_names():
    package = sys.modules["pacviz.train"]
    assert type(pv.train) is types.FunctionType
    assert pv.train is pacviz.train.trainer.train
    assert type(package) is types.ModuleType  # a plain module: no class swapped in
    assert not callable(package)
    for name in package.__all__:  # the old spelling pv.train.<name> reads the package's objects
        assert getattr(pv.train, name) is getattr(package, name), name
    assert pv.train.TrainConfig(steps=3).steps == 3
    from pacviz.train import TrainConfig, load_comparison

    assert pv.train.TrainConfig is TrainConfig and pv.train.load_comparison is load_comparison


def test_importing_training_modules_first_or_later_keeps_pv_train_a_function():
    # A fresh interpreter, so that the package is imported here for the first time, by a submodule.
    code = ("import types, pacviz.train.step, importlib\n"
            "import pacviz as pv\n"
            "assert type(pv.train) is types.FunctionType, type(pv.train)\n"
            "import pacviz.train.lock, pacviz.train.metrics\n"
            "importlib.import_module('pacviz.train.sharding')\n"
            "assert type(pv.train) is types.FunctionType, type(pv.train)\n"
            "from pacviz import train\n"
            "assert train is pv.train and callable(train)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
