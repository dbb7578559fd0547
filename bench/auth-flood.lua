-- wrk script: a flood of random, well-formed API tokens (each one a database lookup unless
-- throttled), all from one client address (or FLOOD_ADDRESSES addresses in turn) given in
-- X-Forwarded-For, which the server trusts in this benchmark. Counts the statuses received.
local chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + id)
  refused, throttled, other, n = 0, 0, 0, 0
  addresses = tonumber(os.getenv("FLOOD_ADDRESSES") or "1")
end

local function rnd(len)
  local t = {}
  for i = 1, len do
    local k = math.random(1, #chars)
    t[i] = chars:sub(k, k)
  end
  return table.concat(t)
end

function request()
  n = n + 1
  local a = n % addresses
  local addr = string.format("10.66.%d.%d", math.floor(a / 250), a % 250 + 1)
  local token = "default:development.v2_" .. rnd(22) .. "_" .. rnd(43)
  return wrk.format(nil, nil, { ["Authorization"] = token, ["X-Forwarded-For"] = addr })
end

function response(status, headers, body)
  if status == 429 then
    throttled = throttled + 1
  elseif status == 401 or status == 403 then
    refused = refused + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local r, t, o = 0, 0, 0
  for _, th in ipairs(threads) do
    r = r + th:get("refused")
    t = t + th:get("throttled")
    o = o + th:get("other")
  end
  io.write(string.format("flood statuses: 401/403=%d 429=%d other=%d\n", r, t, o))
end
