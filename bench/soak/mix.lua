-- bench/soak/mix.lua: the request mix of bench/soak.sh, for wrk (-s). Per 100 requests of a connection:
-- 6 downloads of 1 MiB, 6 uploads of 256 KiB, 88 small GETs; interleaved, so every interval sees all three.
-- Paths come from the environment, since they differ between nginx and backend-server backends.
local small = os.getenv("SOAK_SMALL_PATH") or "/"
local large = os.getenv("SOAK_LARGE_PATH") or "/1m"
local upload = os.getenv("SOAK_UPLOAD_PATH") or "/upload"
local upload_body = string.rep("u", 256 * 1024)
local upload_headers = { ["Content-Type"] = "application/octet-stream" }
local n = 0

function request()
  n = n + 1
  local k = n % 100
  if k % 16 == 3 then        -- 6 in 100 (k = 3, 19, 35, 51, 67, 83)
    return wrk.format("GET", large)
  elseif k % 16 == 11 then   -- 6 in 100 (k = 11, 27, 43, 59, 75, 91)
    return wrk.format("POST", upload, upload_headers, upload_body)
  end
  return wrk.format("GET", small)
end
