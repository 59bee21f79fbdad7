#!/bin/sh
# The planners' two staffing questions for Hà Nội, answered with `commune-sim staff`
# (findings: experiments/README.md, section "Staffing decisions"). Run from the project root:
#   sh experiments/hanoi-staffing.sh && .venv/bin/python experiments/hanoi_staffing.py
set -e
OUT=experiments/results/hanoi-staffing
CS=${CS:-.venv/bin/commune-sim}
# Q1: the fewest counter clerks per commune so that every commune's p90 wait at the counter is
# at most 30 working minutes: the July surge (1-13 July 2025) and the quarter.
$CS staff hanoi/2025-07-first-13-days --pools counter --wait-p90 30 --replications 5 --jobs 2 \
    --out $OUT/july-counter-minimum --force --quiet
# The same with a margin: every commune's whole 95% interval within the target.
$CS staff hanoi/2025-07-first-13-days --pools counter --wait-p90 30 --confident --replications 5 --jobs 2 \
    --out $OUT/july-counter-confident --force --quiet
$CS staff hanoi/2025-q3 --pools counter --wait-p90 30 --replications 3 --jobs 2 \
    --out $OUT/quarter-counter-minimum --force --quiet
# Q2: the positions fixed (the scenario's 504 counter clerks and 1,008 back-office staff), how
# to spread them over the 126 communes for the most communes meeting the same target.
$CS staff hanoi/2025-07-first-13-days --budget counter=504 --budget back_office=1008 --wait-p90 30 \
    --replications 5 --jobs 2 --out $OUT/july-budget --force --quiet
# Q2 where the spread decides: 252 counter clerks (2 per centre on average, fewer than the
# minimum answer above), shared for the most communes within the target.
$CS staff hanoi/2025-07-first-13-days --budget counter=252 --wait-p90 30 \
    --replications 5 --jobs 2 --out $OUT/july-counter-budget-252 --force --quiet
