/**
 * The node-kind catalogue as the editor uses it: look-ups over the `kinds` list the server
 * renders into the page (name, label, icon, colour, edge rules, default props).
 */

/** Palette order and titles of the kind categories. */
export const CATEGORY_TITLES = {
  traffic: "Traffic",
  routing: "Routing",
  compute: "Compute",
  messaging: "Messaging",
  data: "Data",
  layout: "Layout",
};

const UNKNOWN_ICON = "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM9.5 9a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .8-1 1.5V14M12 17h.01";

/**
 * Wrap the server's kind list in a catalogue.
 * A document may name a kind this page does not know (an older or newer format); such a node
 * still draws, as a grey "unknown" kind that may send and receive, so nothing is lost.
 * @param {Array<object>} kinds the `kinds` list from the page
 */
export function createKindCatalog(kinds) {
  const byName = new Map(kinds.map((kind) => [kind.name, kind]));

  function get(name) {
    return (
      byName.get(name) || {
        name,
        label: name,
        summary: "A kind this editor does not know.",
        category: "layout",
        icon: UNKNOWN_ICON,
        color: "#94a3b8",
        is_group: false,
        messaging: false,
        receives: true,
        sends: true,
        defaults: {},
        unknown: true,
      }
    );
  }

  return {
    all: kinds,
    get,
    has: (name) => byName.has(name),
    isGroup: (name) => get(name).is_group === true,
    isMessaging: (name) => get(name).messaging === true,
    canSend: (name) => get(name).sends !== false,
    canReceive: (name) => get(name).receives !== false,
    /** Whether nodes of this kind may sit in a zone (their props have a `zone` field). */
    acceptsZone: (name) => Object.prototype.hasOwnProperty.call(get(name).defaults || {}, "zone"),
    /** Kinds grouped by category, in palette order. */
    byCategory() {
      const order = Object.keys(CATEGORY_TITLES);
      const groups = new Map();
      for (const kind of kinds) {
        if (!groups.has(kind.category)) groups.set(kind.category, []);
        groups.get(kind.category).push(kind);
      }
      return [...groups.entries()]
        .sort(([a], [b]) => rank(order, a) - rank(order, b))
        .map(([category, members]) => ({
          category,
          title: CATEGORY_TITLES[category] || category,
          kinds: members,
        }));
    },
  };
}

function rank(order, category) {
  const index = order.indexOf(category);
  return index < 0 ? order.length : index;
}

/**
 * The role of an edge from its ends: into a queue or bus it publishes, out of one it
 * delivers, otherwise it is a synchronous call.
 */
export function edgeRole(catalog, fromKind, toKind) {
  if (toKind && catalog.isMessaging(toKind)) return "publish";
  if (fromKind && catalog.isMessaging(fromKind)) return "deliver";
  return "call";
}
