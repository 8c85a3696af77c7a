"""Hypothesis strategies shared by the tests: small organisations with an open and a restricted tier."""

from hypothesis import strategies as st


@st.composite
def organisations(draw, groups, max_shares=6, max_users=10, **sections):
    """A valid shared_resources spec over ``groups``; ``sections`` are added as they are (jupyterhub=...)."""
    principals = st.lists(st.sampled_from(list(groups) + ["*"]), max_size=3, unique=True)

    def without_everyone(items):
        return [item for item in items if item != "*"]

    tiers = {
        "open": {"readers": draw(principals), "writers": draw(principals), "gid": 40000},
        "closed": {"readers": without_everyone(draw(principals)), "writers": without_everyone(draw(principals)), "gid": 40001,
                   "restricted": True},
    }
    shares = []
    for position in range(draw(st.integers(min_value=1, max_value=max_shares))):
        tier = draw(st.sampled_from(sorted(tiers)))
        share = {"name": "s%d" % position, "tier": tier, "size": "1Gi"}
        for field in ("readers", "writers"):
            if draw(st.booleans()):
                share[field] = draw(principals) if tier == "open" else without_everyone(draw(principals))
        if draw(st.booleans()):
            share["gid"] = 41000 + position
        shares.append(share)
    users = draw(st.dictionaries(st.sampled_from(["u%d" % n for n in range(max_users)]), st.lists(st.sampled_from(groups), max_size=3),
                                 max_size=max_users))
    return dict({"namespace": "ns", "tiers": tiers, "shares": shares, "users": users}, **sections)
