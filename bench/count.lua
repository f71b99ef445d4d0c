-- bench/count.lua: wrk for a fixed number of requests, not a fixed time.
-- `wrk -t1 -s bench/count.lua URL -- N`: the thread stops after N responses
-- and prints "done"; bench/run then stops wrk with SIGINT, and wrk reports
-- requests/s over the time it ran (wrk itself only stops at -d).
local limit, done = 0, 0

function init(args)
	limit = tonumber(args[1]) or 0
end

function response(status, headers, body)
	done = done + 1
	if done == limit then
		io.write("done\n")
		io.flush()
		wrk.thread:stop()
	end
end
