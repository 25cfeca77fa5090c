/**
 * Which fault types (apps/topology/faults.py, given by the page as `live.fault_types`) apply
 * to a node or an edge, and how to describe one as the JSON the faults endpoint takes.
 */

/**
 * @param {Array<object>} faultTypes [{name, label, target, target_kinds, param, param_minimum, param_maximum, summary}]
 * @param {{type: "node"|"edge", kind?: string}} target
 * @returns {Array<object>} the fault types that apply, in their order
 */
export function faultsFor(faultTypes, { type, kind }) {
  return faultTypes.filter((fault) => {
    if (fault.target !== type) return false;
    if (type === "edge") return true;
    return fault.target_kinds.length === 0 || fault.target_kinds.includes(kind);
  });
}

/** A sensible first value for a fault's number. */
export function defaultParam(fault) {
  switch (fault.param) {
    case "instance":
      return 0;
    case "latency_ms":
      return 500;
    case "error_rate":
      return 0.5;
    case "factor":
      return 3;
    case "delay_ms":
      return 200;
    case "loss":
      return 0.3;
    case "window_ms":
      return 500;
    default:
      return null;
  }
}

/** The body for POST /api/runs/<id>/faults/. */
export function faultBody(fault, target, value, durationS) {
  const body = { action: fault.name, target };
  if (fault.param) body[fault.param] = value;
  if (durationS) body.duration_s = durationS;
  return body;
}
