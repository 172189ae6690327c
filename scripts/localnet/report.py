"""Tables the demo prints, read from the validator's jobs DB (never from its logs)."""

from __future__ import annotations

from typing import Any

from db.connection import open_databases
from db.models import Job, MinerScore, Prediction, Round, RoundResult, RoundStatus, RoundType
from db.urls import parse_database_url
from validator.weights import compute_weights
from validator.weights_loop import load_job_scores


async def completed_rounds(jobs_db: str, shown: set[int]) -> list[dict[str, Any]]:
    async with open_databases(parse_database_url(jobs_db)):
        rounds = await Round.filter(status=RoundStatus.COMPLETED, round_type=RoundType.EVALUATION) \
            .exclude(id__in=list(shown)).order_by("id").values("id", "round_id", "start_block", "end_block",
                                                                "winner_uid")
        for row in rounds:
            row["results"] = {r["miner_uid"]: r for r in await RoundResult.filter(round_id=row["id"]).values()}
            row["predictions"] = await Prediction.filter(round_id=row["id"]).order_by("miner_uid").values()
    return list(rounds)


def _answers(prediction: dict[str, Any]) -> str:
    if not prediction["accepted"]:
        return "refused: " + str(prediction["refusal_reason"] or "")[:40]
    parts = [f"{prediction['valid_answers']} valid"]
    if prediction["rejected_answers"]:
        codes = sorted({str(c["reason_code"]) for c in prediction["checkpoints"] if c["reason_code"]})
        parts.append(f"{prediction['rejected_answers']} rejected ({', '.join(codes)})")
    if prediction["failed_queries"]:
        parts.append(f"{prediction['failed_queries']} failed")
    return ", ".join(parts)


def print_round(row: dict[str, Any], names: dict[int, str]) -> None:
    print(f"\n== {row['round_id']}  blocks {row['start_block']}..{row['end_block']}  "
          f"winner: uid {row['winner_uid']} ({names.get(row['winner_uid'], '-')})")
    print(f"  {'uid':>3}  {'miner':<11} {'answers':<48} {'raw score':>11} {'rank':>5} {'PnL vs HODL':>14} "
          f"{'rebal':>5}")
    for prediction in row["predictions"]:
        uid = prediction["miner_uid"]
        result = row["results"].get(uid)
        raw = "-" if result is None else f"{result['raw_score']:+.6f}"
        rank = "-" if result is None else f"{result['rank_score']:.2f}"
        pnl = "-" if result is None else str(result["pnl_vs_hodl"])
        print(f"  {uid:>3}  {names.get(uid, '?'):<11} {_answers(prediction):<48} {raw:>11} {rank:>5} "
              f"{pnl:>14} {prediction['rebalances']:>5}")


async def print_leaderboards(jobs_db: str, names: dict[int, str]) -> None:
    async with open_databases(parse_database_url(jobs_db)):
        for job in await Job.all().order_by("job_id"):
            print(f"\n== leaderboard {job.job_id} (target {job.target})")
            print(f"  {'#':>2}  {'uid':>3}  {'miner':<11} {'combined':>9} {'evaluation':>10} {'live':>6} "
                  f"{'rounds':>6} {'refusals':>8}")
            scores = await MinerScore.filter(job_id=job.id).order_by("-combined_score", "miner_uid")
            for place, score in enumerate(scores, start=1):
                print(f"  {place:>2}  {score.miner_uid:>3}  {names.get(score.miner_uid, '?'):<11} "
                      f"{score.combined_score:>9.4f} {score.evaluation_score:>10.4f} {score.live_score:>6.3f} "
                      f"{score.evaluation_rounds:>6} {score.refusals:>8}")


async def print_weights(jobs_db: str, hotkey_to_uid: dict[str, int], names: dict[int, str]) -> None:
    async with open_databases(parse_database_url(jobs_db)):
        vector = compute_weights(await load_job_scores(), hotkey_to_uid)
    print("\n== weights the validator would set (local network: logged and stored, not sent)")
    for uid, weight in zip(vector.uids, vector.weights):
        print(f"  uid {uid:>3} {names.get(uid, '?'):<11} {weight:.4f}")
    if not vector.uids:
        print("  (none: no miner has a positive combined score yet)")
