-- wrk script: each request carries the next token of the file named by TOKENS_FILE (one
-- secret a line), so that every token of the file is used in turn; the wrk threads start
-- at different places in the list. Counts the non-200 answers.
local tokens = {}
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("TOKENS_FILE")) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  n = math.floor((#tokens / 7) * id)
  bad = 0
end

function request()
  n = n + 1
  return wrk.format(nil, nil, { ["Authorization"] = tokens[(n % #tokens) + 1] })
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write(string.format("tokens used in turn: %d per thread list, non-200 answers: %d\n", #tokens, total))
end
