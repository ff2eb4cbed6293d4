"""Shared helpers for the eval generators (generate.py, generate_messy.py).

Expectations come from the shop data and the written policy (README "Policy",
../shared/datasets/tau-retail/policy.md), never from the planner's code:

- a write is expected only when the message states everything the policy needs (order, items,
  target variant, reason, payment method) and the shop data allows it (status, ownership,
  availability, same product, gift-card balance, single payment);
- when the message leaves a choice open (an option that fits several variants, a payment kind
  the customer holds more than one way of, an unnamed item in a multi-item order, a missing
  cancel reason), the right answer asks back: outcome `reply`, no actions;
- when the named variant is out of stock, the reply says what is available and proposes nothing.

Text checks are by meaning, as `/.../` alternations; never a planner template's wording.
"""
import json
import re

# What customers call each product (loose names first). The noun is ours, from the catalogue.
NOUNS = {
    "Air Purifier": ["air purifier", "purifier"],
    "Trail Running Shoes": ["running shoes", "trail shoes", "shoes"],
    "Office Chair": ["office chair", "chair"],
    "Rain Jacket": ["rain jacket", "jacket"],
    "Water Bottle": ["water bottle", "bottle"],
    "Espresso Machine": ["espresso machine", "coffee machine"],
    "Cotton T-Shirt": ["t-shirt", "tee", "shirt"],
    "Electric Kettle": ["kettle", "electric kettle"],
    "Yoga Mat": ["yoga mat", "mat"],
    "Mechanical Keyboard": ["keyboard", "mechanical keyboard"],
    "Cast Iron Skillet": ["skillet", "cast iron pan"],
    "Desk Lamp": ["lamp", "desk lamp"],
    "Coffee Grinder": ["grinder", "coffee grinder"],
    "Bluetooth Speaker": ["speaker", "bluetooth speaker"],
    "Wireless Headphones": ["headphones", "wireless headphones"],
    "Bicycle Helmet": ["helmet", "bike helmet"],
    "Smart Thermostat": ["thermostat", "smart thermostat"],
    "Running Watch": ["watch", "running watch"],
    "Camping Tent": ["tent", "camping tent"],
    "Backpack": ["backpack", "bag"],
}

# Meaning checks, generous on purpose.
REFUSE = r"cannot|can't|can not|unable|not (be )?(possible|able|eligible|allowed)|only (be )?\w+ (pending|delivered)|isn't eligible|is not eligible|no longer be|already"
ASK = r"which|what|confirm|specify|clarify|let (me|us) know|could you (tell|share|say)|please (tell|tell us|say|choose|pick)|\?"
REFUND = r"refund|money back|credited|reimburs|paid back"
CANCEL = r"cancel"
RETURN = r"return"
EXCHANGE = r"exchange|swap|replace"
AVAILABLE = r"availab|in stock|out of stock|sold out|unavailable"


def rx(*alts):
    return "/" + "|".join(alts) + "/"


def oid_rx(order_id):
    """The order named with or without its `#`."""
    return "/#?" + re.escape(order_id.lstrip("#")) + "/"


class ShopFacts:
    def __init__(self, path):
        db = json.load(open(path))
        self.users = db["users"]
        self.orders = db["orders"]
        self.products = db["products"]
        self.ulist = [self.users[k] for k in sorted(self.users)]

    def orders_of(self, u, status=None):
        os_ = [self.orders[o] for o in u["orders"]]
        return [o for o in os_ if status is None or o["status"] == status]

    def pms(self, u, kind):
        return sorted(k for k, v in u["payment_methods"].items() if v["source"] == kind)

    def original_pm(self, o):
        return o["payment_history"][0]["payment_method_id"]

    def product_of(self, item):
        return self.products[item["product_id"]]

    def noun(self, item, k=0):
        names = NOUNS[item["name"]]
        return names[k % len(names)]

    def nameable(self, o, item):
        """The customer can name this item by its product: no other item of the same product."""
        return sum(1 for i in o["items"] if i["product_id"] == item["product_id"]) == 1

    def variants_matching(self, item, named):
        """Variants of the item's product, other than the item, having every named option."""
        p = self.product_of(item)
        return [v for v in sorted(p["variants"].values(), key=lambda v: v["item_id"])
                if v["item_id"] != item["item_id"]
                and all(v["options"].get(d) == val for d, val in named.items())]

    def definite_swap(self, item):
        """A named option set that picks exactly one available other variant: name every
        option that differs, so nothing is left to guess. Returns (named, variant) or None."""
        p = self.product_of(item)
        for v in sorted(p["variants"].values(), key=lambda v: v["item_id"]):
            if v["item_id"] == item["item_id"] or not v["available"]:
                continue
            named = {d: val for d, val in v["options"].items() if item["options"].get(d) != val}
            # Name every option when one value alone is shared with other variants.
            if len(self.variants_matching(item, named)) != 1:
                named = dict(v["options"])
            if len(self.variants_matching(item, named)) == 1:
                return named, v
        return None

    def ambiguous_value(self, item):
        """One option value (other than the item's own) that fits two or more available
        variants: the customer naming only it leaves the rest open."""
        p = self.product_of(item)
        dims = sorted({d for v in p["variants"].values() for d in v["options"]})
        for d in dims:
            for val in sorted({v["options"][d] for v in p["variants"].values()}):
                if item["options"].get(d) == val:
                    continue
                fits = [v for v in self.variants_matching(item, {d: val}) if v["available"]]
                if len(fits) >= 2:
                    return d, val
        return None

    def unavailable_swap(self, item):
        """An option set that picks exactly one other variant, which is out of stock."""
        p = self.product_of(item)
        for v in sorted(p["variants"].values(), key=lambda v: v["item_id"]):
            if v["item_id"] == item["item_id"] or v["available"]:
                continue
            named = dict(v["options"])
            if len(self.variants_matching(item, named)) == 1:
                avail = [w for w in p["variants"].values() if w["available"] and w["item_id"] != item["item_id"]]
                if avail:
                    return named, v, avail
        return None

    def can_pay(self, u, pm_id, amount):
        """Policy: a gift card must cover a positive amount."""
        pm = u["payment_methods"][pm_id]
        return amount <= 0 or pm["source"] != "gift_card" or pm["balance"] >= amount

    def describe(self, named):
        """How a customer says an option set: values only, sizes with the word size."""
        say = {
            "size": lambda v: f"size {v}",
            "waterproof": lambda v: "waterproof" if v == "yes" else "non-waterproof",
            "noise cancelling": lambda v: "noise-cancelling" if v == "yes" else "without noise cancelling",
            "layout": lambda v: f"{v} layout",
            "switch": lambda v: f"{v} switches",
            "room size": lambda v: f"{v} room size",
        }
        parts = [say.get(d, lambda v: v)(val) for d, val in sorted(named.items(), key=lambda kv: kv[0] in say)]
        return " ".join(parts)


class Cases:
    def __init__(self):
        self.cases = []
        self.templates = set()

    def add(self, cid, channel, frm, text, expect, actions=(), include=(), exclude=(),
            risk="low", subject=None, behavior="", raw=None, template=None):
        key = template if template is not None else text
        assert key not in self.templates, f"duplicate phrasing: {key!r}"
        self.templates.add(key)
        assert cid not in {c["id"] for c in self.cases}, cid
        if channel == "email" and raw is None:
            assert subject, f"{cid}: an email needs a real subject"
        c = {"id": cid, "input": text, "channel": channel, "from": frm, "subject": subject,
             "expected_behavior": behavior, "expected_actions": list(actions), "expect": expect,
             "must_include": list(include), "must_not_include": list(exclude),
             "risk_category": risk, "csat": None}
        if raw:
            c["raw"] = raw
        self.cases.append(c)

    def write(self, path):
        with open(path, "w") as f:
            for c in self.cases:
                f.write(json.dumps(c, ensure_ascii=False) + "\n")


class Picker:
    """Hands out customers so that cases spread over the shop; each one used once if possible."""

    def __init__(self, shop):
        self.shop = shop
        self.used = set()

    def take(self, pred, skip=0):
        fresh = [u for u in self.shop.ulist if u["user_id"] not in self.used and pred(u)]
        pool = fresh or [u for u in self.shop.ulist if pred(u)]
        assert len(pool) > skip, "no customer fits"
        u = pool[skip]
        self.used.add(u["user_id"])
        return u


def addr_args(a, country=True):
    d = {"address1": a[0], "address2": a[1], "city": a[2], "state": a[3], "zip": a[4]}
    if country:
        d["country"] = "USA"
    return d
