"""The command line's habits: one default workdir, outputs inside it, help without doubled defaults."""

import re

import pytest

from pacviz.cli import DEFAULT_WORKDIR, _default_outputs, build_parser


@pytest.mark.parametrize("argv", [["train"], ["train", "--preset", "tiny"], ["train", "--preset", "quick",
                                  "--model", "realnvp"], ["eval"], ["sample"], ["export"]])
def test_every_run_subcommand_defaults_to_the_same_workdir(argv):
    from pacviz.cli import cli_train_config

    args = build_parser().parse_args(argv)
    workdir = cli_train_config(args).workdir if argv[0] == "train" else args.workdir
    assert workdir == DEFAULT_WORKDIR == "runs/default"
    if argv[0] == "train":
        assert cli_train_config(build_parser().parse_args(argv + ["--workdir", "W"])).workdir == "W"


def test_outputs_go_into_the_workdir_unless_out_is_given():
    parser = build_parser()
    for argv, expected in ((["sample", "--workdir", "W"], "W/samples.png"), (["export"], "runs/default/export"),
                           (["sample", "--out", "x.png"], "x.png"), (["compare"], None)):
        args = parser.parse_args(argv)
        _default_outputs(args)
        assert args.out == expected  # compare's own default (WORKDIR/results) is resolved by compare()


def test_help_states_each_default_once(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: all)" in text and "default preset" not in text
    assert len(re.findall(r"\(default: all\)", text)) == 1


def test_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"pacviz {version('pacviz')}"
