-- wrk script: send the API key of $BENCH_API_KEY on every request (read here, so the key stays out of
-- the command line that bench/run.sh records in RESULTS.md).
wrk.headers["Authorization"] = "Bearer " .. assert(os.getenv("BENCH_API_KEY"), "BENCH_API_KEY is not set")
