-- Argo CD health of a MysqlCluster (apps.ryansu.com), from its status conditions.
-- Stale status (observedGeneration behind metadata.generation) is never reported Healthy.
local hs = {}
if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end
local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(generation)
  return hs
end
local c = {}
for _, condition in ipairs(obj.status.conditions) do
  c[condition.type] = condition
end
local function says(kind)
  return c[kind] ~= nil and c[kind].status == "True"
end
local function text(kind, fallback)
  if c[kind] ~= nil and c[kind].message ~= nil and c[kind].message ~= "" then
    return c[kind].message
  end
  return fallback
end
if says("Degraded") then
  hs.status = "Degraded"
  hs.message = text("Degraded", "Cluster is degraded")
elseif says("Ready") then
  hs.status = "Healthy"
  hs.message = text("Ready", "Primary elected and all replicas ready")
elseif says("Progressing") then
  hs.status = "Progressing"
  hs.message = text("Progressing", "Cluster is changing")
elseif c["Ready"] ~= nil and c["Ready"].status == "False" and not says("Available") then
  hs.status = "Degraded"
  hs.message = text("Ready", "No writable primary")
else
  hs.status = "Progressing"
  hs.message = text("Ready", "Waiting for the cluster to become ready")
end
return hs
