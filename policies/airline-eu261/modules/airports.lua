--- airports: the airports this pack can measure, as data.
--
--     local airports = require "airports"
--     airports.find("lhr")  --> { code = "LHR", lat = 51.4706, lon = -0.4619, country = "GB", area = "UK" }
--     airports.find("XXX")  --> nil (never guessed: the case goes to a person)
--
-- Coordinates are the aerodrome reference points in decimal degrees (WGS
-- 84), written to 0.0001° and meant to be within 0.01° of the published
-- points (AIP, OurAirports): about 1 km, which moves a great-circle distance
-- by at most 2 km. The spec checks known distances between them. country is ISO
-- 3166-1 alpha-2: the outermost regions (Canaries, Réunion, Guadeloupe,
-- Martinique) are Spain and France, so EU territory (LEGAL-SOURCES.md,
-- EU261 scope). dom marks a French overseas department, which Art. 10(2)
-- treats apart for downgrades. To add an airport, add one line here and a
-- known distance to spec/airline-eu261_spec.lua.
local M = {}

local DATA = {
  -- United Kingdom (UK261 since 2021)
  LHR = { 51.4706, -0.4619, "GB" }, LGW = { 51.1481, -0.1903, "GB" }, STN = { 51.8850, 0.2350, "GB" },
  MAN = { 53.3537, -2.2750, "GB" }, EDI = { 55.9500, -3.3725, "GB" },
  -- European Union, with its outermost regions
  DUB = { 53.4213, -6.2701, "IE" }, CDG = { 49.0097, 2.5479, "FR" }, ORY = { 48.7233, 2.3794, "FR" },
  AMS = { 52.3086, 4.7639, "NL" }, BRU = { 50.9014, 4.4844, "BE" }, FRA = { 50.0333, 8.5706, "DE" },
  MUC = { 48.3538, 11.7861, "DE" }, DUS = { 51.2895, 6.7668, "DE" }, BER = { 52.3667, 13.5033, "DE" },
  MAD = { 40.4719, -3.5626, "ES" }, BCN = { 41.2971, 2.0785, "ES" }, PMI = { 39.5517, 2.7388, "ES" },
  LPA = { 27.9319, -15.3866, "ES" }, TFS = { 28.0445, -16.5725, "ES" }, LIS = { 38.7813, -9.1359, "PT" },
  FCO = { 41.8003, 12.2389, "IT" }, MXP = { 45.6306, 8.7281, "IT" }, ATH = { 37.9364, 23.9445, "GR" },
  VIE = { 48.1103, 16.5697, "AT" }, CPH = { 55.6179, 12.6560, "DK" }, ARN = { 59.6519, 17.9186, "SE" },
  HEL = { 60.3172, 24.9633, "FI" }, WAW = { 52.1657, 20.9671, "PL" }, PRG = { 50.1008, 14.2600, "CZ" },
  BUD = { 47.4298, 19.2611, "HU" }, OTP = { 44.5711, 26.0850, "RO" }, SOF = { 42.6967, 23.4114, "BG" },
  RIX = { 56.9236, 23.9711, "LV" }, MLA = { 35.8575, 14.4775, "MT" }, LCA = { 34.8751, 33.6249, "CY" },
  RUN = { -20.8871, 55.5103, "FR", dom = true }, PTP = { 16.2653, -61.5318, "FR", dom = true },
  FDF = { 14.5910, -60.9964, "FR", dom = true },
  -- Iceland, Norway and Switzerland apply the Regulation
  KEF = { 63.9850, -22.6056, "IS" }, OSL = { 60.1939, 11.1004, "NO" }, ZRH = { 47.4647, 8.5492, "CH" },
  GVA = { 46.2381, 6.1089, "CH" },
  -- the rest of the world
  IST = { 41.2753, 28.7519, "TR" }, AYT = { 36.8987, 30.8005, "TR" }, SVO = { 55.9726, 37.4146, "RU" },
  DME = { 55.4088, 37.9063, "RU" }, LED = { 59.8003, 30.2625, "RU" }, TLV = { 32.0114, 34.8867, "IL" },
  CAI = { 30.1219, 31.4056, "EG" }, JNB = { -26.1392, 28.2460, "ZA" }, DXB = { 25.2528, 55.3644, "AE" },
  DOH = { 25.2731, 51.6081, "QA" }, THR = { 35.6892, 51.3134, "IR" }, IKA = { 35.4161, 51.1522, "IR" },
  DEL = { 28.5665, 77.1031, "IN" }, BKK = { 13.6900, 100.7501, "TH" }, HKT = { 8.1132, 98.3169, "TH" },
  SIN = { 1.3502, 103.9944, "SG" }, KUL = { 2.7456, 101.7099, "MY" }, HKG = { 22.3080, 113.9185, "HK" },
  PEK = { 40.0801, 116.5846, "CN" }, PVG = { 31.1434, 121.8052, "CN" }, CAN = { 23.3924, 113.2990, "CN" },
  NRT = { 35.7647, 140.3864, "JP" }, HND = { 35.5523, 139.7800, "JP" }, ICN = { 37.4691, 126.4510, "KR" },
  SYD = { -33.9461, 151.1772, "AU" }, JFK = { 40.6398, -73.7789, "US" }, EWR = { 40.6925, -74.1687, "US" },
  BOS = { 42.3643, -71.0052, "US" }, ORD = { 41.9786, -87.9048, "US" }, LAX = { 33.9425, -118.4081, "US" },
  SFO = { 37.6190, -122.3750, "US" }, MIA = { 25.7932, -80.2906, "US" }, YYZ = { 43.6772, -79.6306, "CA" },
  GRU = { -23.4356, -46.4731, "BR" },
}

-- Where Regulation (EC) No 261/2004 applies: the 27 member states and, by
-- agreement, Iceland, Norway and Switzerland (LEGAL-SOURCES.md, EU261 scope).
local EU_AREA = {}
for code in ("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS NO CH"):gmatch("%u%u") do
  EU_AREA[code] = true
end

--- airports.area(country) → "EU" (EU261 applies), "UK" (UK261), or nil.
function M.area(country)
  if EU_AREA[country] then return "EU" end
  if country == "GB" then return "UK" end
  return nil
end

--- airports.find(code) → { code, lat, lon, country, area, dom } or nil for
-- a code the pack does not know.
function M.find(code)
  code = type(code) == "string" and code:upper() or ""
  local a = DATA[code]
  if not a then return nil end
  return { code = code, lat = a[1], lon = a[2], country = a[3], area = M.area(a[3]), dom = a.dom == true }
end

return M
