"Crash safety of the judge's disk cache: a process killed mid-run loses no paid result, and a rerun resumes."
import json, subprocess, sys, textwrap
from polychromic.judge import ClaudeJudge
from polychromic.claude_fake import FakeClaudeAPI, fake_client

TWEETS = [f"tweet number {i}: what is your favourite season and why?" for i in range(6)]
A = [f"Autumn, because of the colours ({i})" for i in range(6)]
B = [f"Summer. Long evenings outside with friends, number {i}." for i in range(6)]

CHILD = textwrap.dedent("""
    import os, sys
    from polychromic.judge import ClaudeJudge
    from polychromic.claude_fake import FakeClaudeAPI, fake_client, length_biased_judge
    tweets, a, b, cache = {args}
    n = 0
    def dies_on_fifth(kind, fields):
        global n
        n += 1
        if n == 5: os._exit(3)          # hard crash: no cleanup, no exception handling
        return length_biased_judge(kind, fields)
    judge = ClaudeJudge(client=fake_client(FakeClaudeAPI(judge=dies_on_fifth)), cache_dir=cache, max_workers=1)
    judge.pairwise(tweets, a, b)
""")

def test_crash_loses_no_paid_result(tmp_path):
    cache = tmp_path/"cache"
    code = CHILD.format(args=repr((TWEETS, A, B, str(cache))))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    files = [p for p in cache.rglob("*") if p.is_file()]
    assert len(files) == 4 and all(p.suffix == ".json" and not p.name.startswith(".tmp") for p in files)
    assert all(json.loads(p.read_text())["response"]["usage"]["output_tokens"] > 0 for p in files)
    fake = FakeClaudeAPI()
    judge = ClaudeJudge(client=fake_client(fake), cache_dir=cache)
    df = judge.pairwise(TWEETS, A, B)
    assert (judge.n_cache_hits, judge.n_requests, len(fake.messages)) == (4, 8, 8)
    assert (df.status_ab == "ok").all() and (df.status_ba == "ok").all()
    assert list(df.overall) == ["B"]*6   # the longer reply wins with the length-biased fake
