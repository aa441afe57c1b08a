-- The "use" endpoint's request (POST /v1/projects/bench/env).
wrk.method = "POST"
wrk.body = '{"secrets":["s1"]}'
wrk.headers["Content-Type"] = "application/json"
