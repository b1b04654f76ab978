"""Batch grading: one row per submission, hostile rows, resume, executors, the CLI."""

import csv
import io
import json
import os
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pytest

from symgrad.checking import grade
from symgrad.cli import main
from symgrad.errors import InputError

HERE = os.path.dirname(__file__)
EXAMPLES = os.path.join(HERE, os.pardir, "examples", "grading")

KEY = {
    "grad": {"expected": "[4, 9]", "kind": "gradient_at",
             "context": {"function": "w0^2 + w0*w1 + 2*w1^2", "point": [1, 2]}},
    "convex": {"expected": "convex", "kind": "convexity", "context": {"function": "w^4"}},
    "num": "1/3",
}

HOSTILE = [
    "(" * 3000, "9^9^9^9^9^9", "x" * 20000, "__import__('os').system('echo hi')", "\\x00\\x01", "[[[[[[[[",
    "x^(10^100)", "factorial(100000)", "1e999999999", "lambda: 0", "[" + "1," * 5000 + "1]",
]


def _rows():
    rows = [
        {"id": "1", "student": "ada", "question": "grad", "answer": "[4, 9]"},
        {"id": "2", "student": "ada", "question": "convex", "answer": "convex"},
        {"id": "3", "student": "bob", "question": "grad", "answer": "[-4, -9]"},
        {"id": "4", "student": "bob", "question": "num", "answer": "0.333"},
        {"id": "5", "student": "cy", "question": "missing", "answer": "1"},
        {"id": "6", "student": "cy", "question": "grad"},
        {"id": "7", "student": "cy", "question": None, "answer": "1"},
    ]
    rows += [{"id": str(100 + i), "student": "eve", "question": "num", "answer": h} for i, h in enumerate(HOSTILE)]
    return rows


def _read(path):
    with open(path, encoding="utf-8") as fh:
        if path.endswith(".jsonl"):
            return [json.loads(line) for line in fh]
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_hostile_and_malformed_rows_each_get_one_result_row(tmp_path, suffix):
    out = str(tmp_path / f"results{suffix}")
    rows = _rows()
    summary = grade(rows, KEY, out=out, workers=1, chunk_size=4)
    written = _read(out)
    assert sorted(r["id"] for r in written) == sorted(r["id"] for r in rows)
    assert summary.graded == len(rows) == summary.total
    by_id = {r["id"]: r for r in written}
    assert by_id["1"]["note"] == "correct" and by_id["3"]["note"] == "incorrect:sign_error"
    assert by_id["4"]["note"] == "incorrect:inexact_decimal"
    assert by_id["5"]["note"] == "invalid:unknown_question" and by_id["6"]["note"] == "invalid:empty"
    for i in range(len(HOSTILE)):
        assert by_id[str(100 + i)]["status"] in ("invalid", "incorrect")


def test_interrupted_run_resumes_without_regrading(tmp_path):
    out = str(tmp_path / "results.jsonl")
    rows = _rows()
    grade(rows[:3], KEY, out=out, workers=1)
    summary = grade(rows, KEY, out=out, workers=1)
    assert summary.skipped == 3 and summary.graded == len(rows) - 3
    ids = [r["id"] for r in _read(out)]
    assert sorted(ids) == sorted(r["id"] for r in rows)  # each exactly once


def test_any_executor_gives_the_same_rows(tmp_path):
    rows = _rows()[:5]
    serial = grade(rows, KEY, workers=1)
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = grade(rows, KEY, executor=pool, chunk_size=2)
    notes = lambda s: sorted((r["id"], r["note"]) for r in s.rows)  # noqa: E731
    assert notes(serial) == notes(threaded)


class CrashingExecutor(ThreadPoolExecutor):
    """Every task holding row id 3 dies the way a killed process pool reports it."""

    def submit(self, fn, *args, **kwargs):
        rows = args[0]
        if any(r["id"] == "3" for r in rows):
            future = Future()
            future.set_exception(BrokenProcessPool("a worker died"))
            return future
        return super().submit(fn, *args, **kwargs)


def test_a_crashing_worker_costs_only_its_row(tmp_path):
    rows = _rows()[:5]
    with CrashingExecutor(max_workers=2) as pool:
        summary = grade(rows, KEY, executor=pool, chunk_size=5)
    by_id = {r["id"]: r for r in summary.rows}
    assert sorted(by_id) == sorted(r["id"] for r in rows)
    assert by_id["3"]["note"] == "invalid:worker_crashed"
    assert by_id["1"]["note"] == "correct"


def test_process_pool_grades_the_example_files(tmp_path):
    out = str(tmp_path / "results.csv")
    summary = grade(os.path.join(EXAMPLES, "submissions.csv"), os.path.join(EXAMPLES, "key.csv"),
                    out=out, workers=2, chunk_size=4)
    written = _read(out)
    assert len(written) == summary.total == len(_read(os.path.join(EXAMPLES, "submissions.csv")))
    notes = {r["id"]: r["note"] for r in written}
    assert notes["1"] == "correct" and notes["10"] == "incorrect:gradient_ascent"
    assert notes["12"] == "incorrect:semidefinite_confusion"


def test_cli_grade(tmp_path, capsys):
    out = str(tmp_path / "results.jsonl")
    code = main(["grade", os.path.join(EXAMPLES, "submissions.csv"), "--key", os.path.join(EXAMPLES, "key.csv"),
                 "--out", out, "--workers", "1", "--no-progress"])
    assert code == 0
    assert "graded" in capsys.readouterr().out
    assert len(_read(out)) == len(_read(os.path.join(EXAMPLES, "submissions.csv")))
    code = main(["grade", os.path.join(EXAMPLES, "submissions.csv"), "--key", os.path.join(EXAMPLES, "key.csv"),
                 "--out", out, "--workers", "1", "--no-progress", "--format", "json"])
    summary = json.loads(capsys.readouterr().out)
    # all resumed, except the row whose question is not in the key: a fixed key could change it
    assert summary["graded"] == summary["regraded"] == 1 and summary["retried"] == {"invalid:unknown_question": 1}
    assert summary["skipped"] == summary["total"] - 1 and len(_read(out)) == summary["total"]


def test_malformed_jsonl_lines_still_get_rows(tmp_path):
    src = tmp_path / "subs.jsonl"
    src.write_text('{"id": "a", "question": "num", "answer": "1/3"}\nnot json at all\n[1, 2]\n', encoding="utf-8")
    summary = grade(str(src), KEY, workers=1)
    assert summary.total == 3
    notes = sorted(r["note"] for r in summary.rows)
    assert notes == ["correct", "invalid:malformed", "invalid:malformed"]


# ------------------------------------------------------------------------ audit: CLI errors, resume, input checks
def _cli(capsys, *argv):
    code = main(["grade", *argv, "--workers", "1", "--no-progress"])
    return code, capsys.readouterr().err


def _write_csv(path, header, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


@pytest.fixture
def files(tmp_path):
    key = _write_csv(tmp_path / "key.csv", ["question", "expected"], [["q1", "2*x"], ["q2", "1/3"]])
    subs = _write_csv(tmp_path / "subs.csv", ["id", "student", "question", "answer"],
                      [["1", "ada", "q1", "2*x"], ["2", "bob", "q2", "1/3"]])
    return tmp_path, subs, key


@pytest.mark.parametrize("which", ["submissions", "key", "submissions_dir", "key_dir", "out_dir", "out_unwritable"])
def test_cli_grade_reports_bad_files_cleanly(files, capsys, which):
    tmp, subs, key = files
    out = str(tmp / "results.csv")
    if which == "submissions":
        subs = str(tmp / "missing.csv")
    elif which == "key":
        key = str(tmp / "missing.json")
    elif which == "submissions_dir":
        subs = str(tmp)
    elif which == "key_dir":
        key = str(tmp)
    elif which == "out_dir":
        out = str(tmp)
    else:
        out = str(tmp / "no" / "such" / "folder" / "results.csv")
    code, err = _cli(capsys, subs, "--key", key, "--out", out)
    assert code == 3  # bad input (symgrad.cli._io.EXIT_CODES)
    assert err.startswith("symgrad: error: ") and "Traceback" not in err


@pytest.mark.parametrize("option", [["--timeout", "-1"], ["--timeout", "0"], ["--timeout", "soon"],
                                    ["--workers", "0"], ["--chunk-size", "-5"]])
def test_cli_grade_refuses_bad_option_values_as_usage_errors(files, capsys, option):
    tmp, subs, key = files
    with pytest.raises(SystemExit) as stop:
        main(["grade", subs, "--key", key, "--out", str(tmp / "r.csv"), *option])
    assert stop.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_duplicate_ids_each_get_a_row_and_resume_skips_nothing(tmp_path):
    rows = [{"id": "1", "student": "ada", "question": "num", "answer": "1/3"},
            {"id": "1", "student": "bob", "question": "num", "answer": "1/4"},
            {"id": "1", "student": "cy", "question": "num", "answer": "2/6"},
            {"student": "dee", "question": "num", "answer": "1/3"}]
    out = str(tmp_path / "results.csv")
    grade(rows[:1], KEY, out=out, workers=1)  # interrupted after the first row
    summary = grade(rows, KEY, out=out, workers=1)
    assert summary.skipped == 1 and summary.graded == 3
    written = _read(out)
    assert sorted((r["row"], r["student"]) for r in written) == [("1", "ada"), ("2", "bob"), ("3", "cy"), ("4", "dee")]
    assert {r["student"]: r["note"] for r in written} == {"ada": "correct", "bob": "incorrect", "cy": "correct",
                                                          "dee": "correct"}
    again = grade(rows, KEY, out=out, workers=1)
    assert again.graded == 0 and len(_read(out)) == len(rows)


def test_malformed_jsonl_lines_do_not_collide_with_real_ids(tmp_path):
    src = tmp_path / "subs.jsonl"
    src.write_text('not json\n{"id": "1", "question": "num", "answer": "1/3"}\n'
                   '{"id": "2", "question": "num", "answer": "1/3"}\n', encoding="utf-8")
    out = str(tmp_path / "results.jsonl")
    grade(str(src), KEY, out=out, workers=1)
    written = _read(out)
    assert sorted(r["note"] for r in written) == ["correct", "correct", "invalid:malformed"]
    assert len({r["id"] for r in written}) == 3  # the malformed line's id is not '1' or '2'
    assert grade(str(src), KEY, out=out, workers=1).graded == 0 and len(_read(out)) == 3


def test_submissions_without_an_answer_column_are_refused(tmp_path):
    subs = _write_csv(tmp_path / "subs.csv", ["id", "question", "reply"], [["1", "num", "1/3"]])
    with pytest.raises(InputError, match="no 'answer' column.*reply"):
        grade(subs, KEY, workers=1)
    with pytest.raises(InputError, match="no 'answer' column"):
        grade([{"question": "num", "text": "1/3"}], KEY, workers=1)


def test_a_key_with_a_byte_order_mark_is_read(tmp_path):
    key = _write_csv(tmp_path / "key.csv", ["question", "expected"], [["q1", "2*x"]], encoding="utf-8-sig")
    subs = _write_csv(tmp_path / "subs.csv", ["question", "answer"], [["q1", "x+x"]], encoding="utf-8-sig")
    summary = grade(subs, key, workers=1)
    assert [r["note"] for r in summary.rows] == ["correct"]


def test_a_key_that_is_not_utf8_is_a_clear_error(tmp_path):
    key = tmp_path / "key.csv"
    key.write_bytes("question,expected\nq\xe9,2*x\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        grade([{"question": "q1", "answer": "1"}], str(key), workers=1)


def test_a_question_twice_in_the_key_is_a_clear_error(tmp_path):
    key = _write_csv(tmp_path / "key.csv", ["question", "expected"], [["q1", "2*x"], ["q2", "1"], ["q1", "3*x"]])
    with pytest.raises(InputError, match="'q1' twice"):
        grade([{"question": "q1", "answer": "2*x"}], key, workers=1)


def test_grade_help_documents_columns_and_roster_keys(capsys):
    with pytest.raises(SystemExit):
        main(["grade", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for word in ("'question'", "'answer'", "'expected'", "<student>:q<k>", "UTF-8"):
        assert word in text


def test_roster_key_from_exercises_grades_plain_question_ids(tmp_path, capsys):
    roster = _write_csv(tmp_path / "roster.csv", ["student"], [["s1"], ["s2"]])
    folder = str(tmp_path / "sheets")
    assert main(["exercises", "--students", roster, "--out", folder, "--family", "gradient",
                 "--format", "json"]) == 0
    key_path = os.path.join(folder, "grading_key.json")
    with open(key_path, encoding="utf-8") as fh:
        key = json.load(fh)
    assert sorted(key) == ["s1:q1", "s2:q1"]
    subs = [{"id": "1", "student": "s1", "question": "q1", "answer": key["s1:q1"]["expected"]},
            {"id": "2", "student": "s2", "question": "q1", "answer": key["s2:q1"]["expected"]},
            {"id": "3", "student": "s3", "question": "q1", "answer": "0"}]
    src = tmp_path / "subs.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in subs), encoding="utf-8")
    out = str(tmp_path / "results.jsonl")
    capsys.readouterr()
    assert main(["grade", str(src), "--key", key_path, "--out", out, "--workers", "1", "--no-progress"]) == 0
    notes = {r["student"]: r["note"] for r in _read(out)}
    assert notes == {"s1": "correct", "s2": "correct", "s3": "invalid:unknown_question"}


# ------------------------------------------------------------------------ issue 16: faults of the results file
import errno  # noqa: E402

from cases.grading_runs import ANSWERS  # noqa: E402
from cases.grading_runs import KEY as CLASS_KEY  # noqa: E402

from symgrad.checking import results_file  # noqa: E402


def _id(n):
    return f"=cmd|' /C calc'!A{n}" if n % 7 == 3 else "two\nlines" if n == 12 else str(n)


def _class(size=22):
    return [{"id": _id(n), "student": f"s{n % 5}",
             "question": ANSWERS[n % len(ANSWERS)][0], "answer": ANSWERS[n % len(ANSWERS)][1]} for n in range(size)]


def _verdicts(rows):
    return sorted((int(r["row"]), str(r["id"]), r["note"]) for r in rows)


@pytest.fixture(scope="module")
def reference():
    """Verdicts of an uninterrupted run of the class (the oracle for every resumed run)."""
    return _verdicts(grade(_class(), CLASS_KEY, workers=1).rows)


def _assert_one_row_each(out, reference):
    written = _read(out)
    if out.endswith(".csv"):
        written = [{**r, "id": results_file.restore(r["id"])} for r in written]
    assert _verdicts(written) == reference  # one row per submission row, each with its verdict
    assert len(written) == len(reference)


def _cuts(data: bytes, boundary: int, csv_file: bool):
    """``(where, torn)``: truncation points inside the header, mid-row, right after a line break inside a
    quoted (multi-line) error message, one byte before the end, and exactly at a row boundary."""
    first_line = data.index(b"\n") + 1
    cuts = [(first_line + 7, True), (len(data) - 1, True), (boundary, False)]
    if csv_file:  # and right after the line break inside the quoted id "two\nlines"
        cuts += [(first_line // 2, True), (data.index(b"two\n") + 4, True)]
    return cuts


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_torn_last_row_is_cut_off_and_regraded(tmp_path, reference, suffix):
    full = str(tmp_path / f"full{suffix}")
    grade(_class(), CLASS_KEY, out=full, workers=1)
    with open(full, "rb") as fh:
        data = fh.read()
    # where row 9 ends: a CSV record ends with CRLF (a line break inside a cell is a bare LF), a JSON line with LF
    boundary = data.index(b"\r\n10,") + 2 if suffix == ".csv" else [i for i, c in enumerate(data) if c == 10][8] + 1
    for cut, torn in _cuts(data, boundary, suffix == ".csv"):
        out = str(tmp_path / f"cut{cut}{suffix}")
        with open(out, "wb") as fh:
            fh.write(data[:cut])  # what a kill or a full disk leaves behind
        summary = grade(_class(), CLASS_KEY, out=out, workers=1)
        _assert_one_row_each(out, reference)
        assert summary.repaired == (1 if torn else 0), cut
        again = grade(_class(), CLASS_KEY, out=out, workers=1)  # complete: only unknown questions are retried
        assert again.graded == again.regraded == again.retried["invalid:unknown_question"]
        _assert_one_row_each(out, reference)


def test_a_file_that_is_not_a_results_file_is_refused_not_repaired(tmp_path):
    other = tmp_path / "subs.csv"
    other.write_text("id,question,answer\n1,num,1/3\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a symgrad results file"):
        grade(_class(), CLASS_KEY, out=str(other), workers=1)
    assert other.read_text(encoding="utf-8") == "id,question,answer\n1,num,1/3\n"


def test_a_full_disk_is_a_clean_error_from_the_kernel(files, capsys):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    tmp, subs, key = files
    code, err = _cli(capsys, subs, "--key", key, "--out", "/dev/full")
    assert code == 3 and err.startswith("symgrad: error: ") and "No space left on device" in err  # a file it cannot write
    assert "Traceback" not in err and "run the same command again" in err


def test_a_disk_that_fills_up_mid_run_ends_cleanly_and_the_rerun_completes(tmp_path, capsys, monkeypatch,
                                                                           reference):
    subs = tmp_path / "subs.jsonl"
    subs.write_text("".join(json.dumps(r) + "\n" for r in _class()), encoding="utf-8")
    key = tmp_path / "key.json"
    key.write_text(json.dumps(CLASS_KEY), encoding="utf-8")
    out = str(tmp_path / "results.csv")
    real, calls = results_file._write_all, []

    def fills_up(fd, data):  # the third write gets half its bytes onto the disk, then ENOSPC
        calls.append(len(data))
        if len(calls) == 3:
            real(fd, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd, data)

    monkeypatch.setattr(results_file, "_write_all", fills_up)
    code, err = _cli(capsys, str(subs), "--key", str(key), "--out", out, "--chunk-size", "4")
    assert code == 3 and err.startswith("symgrad: error: ") and "No space left on device" in err  # a file it cannot write
    assert "Traceback" not in err and err.count("\n") <= 2
    monkeypatch.setattr(results_file, "_write_all", real)  # space freed
    code, err = _cli(capsys, str(subs), "--key", str(key), "--out", out)
    assert code == 0, err
    _assert_one_row_each(out, reference)


def test_csv_cells_are_neutralised_and_jsonl_keeps_them_verbatim(tmp_path):
    rows = [{"id": i, "student": s, "question": "neg", "answer": a} for i, s, a in
            [("=cmd|' /C calc'!A0", "ada", "-x"), ("+1", "@bob", "-x"), ("-2", "\tcy", "x"), ("@SUM(A1)", "'dee", "-x")]]
    key = {"neg": "-x"}
    out_csv, out_jsonl = str(tmp_path / "r.csv"), str(tmp_path / "r.jsonl")
    grade(rows, key, out=out_csv, workers=1)
    grade(rows, key, out=out_jsonl, workers=1)
    with open(out_csv, encoding="utf-8", newline="") as fh:
        cells = [cell for record in csv.reader(fh) for cell in record]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]  # OWASP's rule
    assert "'=cmd|' /C calc'!A0" in cells and "'-x" in cells and "''dee" in cells
    assert [r["id"] for r in _read(out_jsonl)] == [r["id"] for r in rows]  # verbatim
    assert [r["read_as"] for r in _read(out_jsonl)][0] == "-x"
    assert [results_file.restore(r["id"]) for r in _read(out_csv)] == [r["id"] for r in rows]
    assert grade(rows, key, out=out_csv, workers=1).graded == 0  # neutralised ids still match on resume


def test_fixing_a_bad_key_and_rerunning_regrades_those_rows(tmp_path):
    rows = [{"id": str(n), "question": q, "answer": a}
            for n, (q, a) in enumerate([("grad", "[4, 9]"), ("num", "1/3"), ("grad", "[1, 1]"), ("num", "0.5")])]
    broken = {**KEY, "grad": {"expected": "[4, 9]", "kind": "gradient_at",
                              "context": {"function": "w0^2 + w0*w1 +", "point": [1, 2]}}}
    out = str(tmp_path / "results.csv")
    first = grade(rows, broken, out=out, workers=1)
    assert sorted(r["note"] for r in first.rows) == ["correct", "incorrect", "invalid:bad_key", "invalid:bad_key"]
    second = grade(rows, KEY, out=out, workers=1)
    assert second.regraded == 2 and second.retried == {"invalid:bad_key": 2} and second.skipped == 2
    assert {r["id"]: r["note"] for r in _read(out)} == {"0": "correct", "1": "correct", "2": "incorrect",
                                                        "3": "incorrect"}
    assert len(_read(out)) == 4


def test_rows_that_timed_out_are_regraded_on_resume(tmp_path, reference):
    from symgrad.limits import DEFAULT_LIMITS

    out = str(tmp_path / "results.jsonl")
    first = grade(_class(), CLASS_KEY, out=out, workers=1, limits=DEFAULT_LIMITS.replace(timeout=1e-4))
    timed_out = first.counts.get("invalid:timeout", 0)
    assert timed_out > 0
    second = grade(_class(), CLASS_KEY, out=out, workers=1)
    assert second.retried.get("invalid:timeout") == timed_out and second.graded >= timed_out
    _assert_one_row_each(out, reference)


def test_the_cli_summary_says_how_many_rows_were_regraded(tmp_path, capsys):
    rows = [{"id": "1", "question": "nope", "answer": "1"}, {"id": "2", "question": "num", "answer": "1/3"}]
    subs = tmp_path / "subs.jsonl"
    subs.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    key = tmp_path / "key.json"
    key.write_text(json.dumps({"num": "1/3"}), encoding="utf-8")
    out = str(tmp_path / "r.csv")
    assert _cli(capsys, str(subs), "--key", str(key), "--out", out)[0] == 0
    key.write_text(json.dumps({"num": "1/3", "nope": "1"}), encoding="utf-8")  # the key is fixed
    assert main(["grade", str(subs), "--key", str(key), "--out", out, "--workers", "1", "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "1 regraded because a rerun can change them: invalid:unknown_question 1" in text
    assert sorted(r["note"] for r in _read(out)) == ["correct", "correct"]


def test_the_progress_bar_is_tqdm_works_without_a_terminal_and_can_be_silenced(capsys):
    rows = [{"question": "num", "answer": "1/3"}] * 3
    grade(rows, KEY, workers=1, progress=True)
    err = capsys.readouterr().err
    assert "grading" in err and "3/3" in err and "row" in err  # tqdm's bar, written to a pipe
    grade(rows, KEY, workers=1, progress=False)
    assert capsys.readouterr().err == ""


def test_results_to_a_device_are_written_without_sync_or_resume(files, capsys):
    if not os.path.exists("/dev/null"):
        pytest.skip("no /dev/null on this system")
    tmp, subs, key = files
    code, err = _cli(capsys, subs, "--key", key, "--out", "/dev/null")
    assert code == 0 and err == ""


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_grade_reads_submissions_from_stdin_as_dash(files, capsys, monkeypatch, fmt):
    tmp, subs, key = files
    text = (open(subs, encoding="utf-8").read() if fmt == "csv" else
            '{"id": "1", "student": "ada", "question": "q1", "answer": "2*x"}\n'
            '{"id": "2", "student": "bob", "question": "q2", "answer": "1/4"}\n')
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    out = tmp / "results.jsonl"
    code, err = _cli(capsys, "-", "--key", key, "--out", str(out))
    statuses = [json.loads(line)["status"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert code == 0 and statuses == (["correct", "correct"] if fmt == "csv" else ["correct", "incorrect"]), err
