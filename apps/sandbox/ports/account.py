"""Reference data and the account calls: countries and carriers with free devices, tariffs, the
account, its summary, traffic usage and the balance breakdown. Slots used are counted from the
ports that exist, so creating and deleting ports moves them."""

from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Q, Sum

from apps.sandbox.upstream.wire import ApiError, Reply, SandboxRequest, iso, number

from .inventory import account, tariffs_payload
from .models import SandboxPort, SandboxPortCarrier, SandboxPortCountry

LOW_BALANCE = Decimal(10)
USAGE_PERIODS = ("7d", "30d", "90d")
_FREE = Q(devices__online=True, devices__exclusive=False)


def countries(request: SandboxRequest, now: datetime) -> Reply:
    rows = SandboxPortCountry.objects.annotate(free=Count("devices", filter=_FREE)).filter(free__gt=0)
    return Reply(
        200,
        [
            {
                "_id": c.public_id,
                "name": c.name,
                "code": c.code,
                "iso3": c.iso3,
                "phoneCode": c.phone_code,
                "freeDeviceCount": c.free,
            }
            for c in rows
        ],
    )


def carriers(request: SandboxRequest, now: datetime, country_id: str) -> Reply:
    country = SandboxPortCountry.objects.filter(public_id=country_id).first()
    if country is None:
        raise ApiError(404, "country_not_found", "Unknown country id.")
    rows = SandboxPortCarrier.objects.filter(country=country).annotate(free=Count("devices", filter=_FREE))
    if request.query.get("withDevice") == "true":
        rows = rows.filter(free__gt=0)
    return Reply(
        200,
        [
            {
                "_id": c.public_id,
                "name": c.name,
                "brand": c.brand,
                "mcc": c.mcc,
                "mnc": c.mnc,
                "technology": c.technology,
                "freeDeviceCount": c.free,
            }
            for c in rows
        ],
    )


def tariffs(request: SandboxRequest, now: datetime) -> Reply:
    return Reply(200, tariffs_payload())


def _tier(slot_type: str, now: datetime) -> dict:
    acct = account()
    total = acct.private_slots if slot_type == "private" else acct.shared_slots
    used = SandboxPort.objects.filter(slot_type=slot_type).count()
    purchased = Decimal(acct.private_traffic_gb if slot_type == "private" else acct.shared_traffic_gb)
    traffic_used = SandboxPort.objects.filter(slot_type=slot_type).aggregate(s=Sum("used_traffic_gb"))["s"] or Decimal(
        0
    )
    expires = acct.subscription_expires_at
    return {
        "slots": {"total": total, "used": used, "available": max(total - used, 0)},
        "traffic": (purchased, Decimal(traffic_used), max(purchased - Decimal(traffic_used), Decimal(0))),
        "expiresAt": iso(expires),
        "daysRemaining": None if expires is None else max((expires - now).days, 0),
        "active": total > 0,
    }


def _alerts(shared: dict, private: dict, balance: Decimal) -> list[dict]:
    alerts = []
    if balance < LOW_BALANCE:
        alerts.append({"type": "low_balance", "message": "Your balance is running low", "severity": "warning"})
    for name, tier in (("shared", shared), ("private", private)):
        total, _used, available = tier["traffic"]
        if total and available < total / 4:
            alerts.append({"type": "low_traffic", "message": "Traffic is running low", "severity": "info"})
        if tier["slots"]["total"] and not tier["slots"]["available"]:
            alerts.append(
                {"type": f"no_{name}_slots", "message": f"All {name} slots are in use", "severity": "warning"}
            )
    return alerts


def summary(request: SandboxRequest, now: datetime) -> Reply:
    acct = account()
    shared, private = _tier("shared", now), _tier("private", now)

    def out(tier: dict) -> dict:
        total, used, available = tier["traffic"]
        payload = {
            "slots": tier["slots"],
            "trafficGB": {"total": number(total), "used": number(used), "available": number(available)},
        }
        if tier["expiresAt"]:
            payload.update(expiresAt=tier["expiresAt"], daysRemaining=tier["daysRemaining"])
        return payload

    return Reply(
        200,
        {
            "balance": number(Decimal(acct.balance)),
            "currency": acct.currency,
            "shared": out(shared),
            "private": out(private),
            "alerts": _alerts(shared, private, Decimal(acct.balance)),
        },
    )


def account_full(request: SandboxRequest, now: datetime) -> Reply:
    acct = account()
    shared, private = _tier("shared", now), _tier("private", now)

    def out(tier: dict) -> dict:
        total, used, available = tier["traffic"]
        return {
            "active": tier["active"],
            "slots": tier["slots"],
            "traffic": {"purchasedGB": number(total), "usedGB": number(used), "availableGB": number(available)},
            "expiresAt": tier["expiresAt"],
            "daysRemaining": tier["daysRemaining"],
        }

    balance = Decimal(acct.balance)
    return Reply(
        200,
        {
            "user": {
                "_id": "sandbox_reseller",
                "email": "reseller@sandbox.invalid",
                "role": "customer",
                "isActive": True,
            },
            "wallet": {
                "totalDeposited": number(Decimal(acct.total_payments)),
                "totalSpent": number(Decimal(acct.total_payments) - balance),
                "availableBalance": number(balance),
                "currency": acct.currency,
            },
            "subscription": {"shared": out(shared), "private": out(private)},
            "status": {
                "hasActiveSubscription": shared["active"] or private["active"],
                "hasAvailableSlots": bool(shared["slots"]["available"] or private["slots"]["available"]),
                "hasAvailableTraffic": bool(shared["traffic"][2] or private["traffic"][2]),
                "lowBalance": balance < LOW_BALANCE,
                "lowTraffic": any(a["type"] == "low_traffic" for a in _alerts(shared, private, balance)),
            },
        },
    )


def usage(request: SandboxRequest, now: datetime) -> Reply:
    period = request.query.get("period", "30d")
    if period not in USAGE_PERIODS:
        raise ApiError(400, "invalid_parameter", "period must be 7d, 30d or 90d.", param="period")
    traffic: dict = {}
    total, count = Decimal(0), 0
    for slot_type in ("shared", "private"):
        ports = list(SandboxPort.objects.filter(slot_type=slot_type))
        if not ports:
            continue
        used = sum((Decimal(p.used_traffic_gb) for p in ports), Decimal(0))
        traffic[slot_type] = {
            "totalUsedGB": number(used),
            "portCount": len(ports),
            "byPort": [
                {"portId": p.public_id, "portName": p.display_name, "usedGB": number(Decimal(p.used_traffic_gb))}
                for p in ports
            ],
        }
        total, count = total + used, count + len(ports)
    traffic["combined"] = {"totalUsedGB": number(total), "portCount": count}
    return Reply(200, {"period": period, "generatedAt": iso(now), "traffic": traffic})


def balance_breakdown(request: SandboxRequest, now: datetime) -> Reply:
    acct = account()
    shared = _tier("shared", now)
    purchased, used, available = shared["traffic"]
    payments, balance = Decimal(acct.total_payments), Decimal(acct.balance)
    return Reply(
        200,
        {
            "totalPayments": number(payments),
            "adminPaymentCredits": 0,
            "totalPurchases": number(payments - balance),
            "trafficUsedGB": number(used),
            "purchasedTrafficGB": number(purchased),
            "availableTrafficGB": number(available),
            "pricePerGB": 4,
            "balance": number(balance),
            "currency": acct.currency,
            "formula": "balance = (totalPayments + adminCredits) - totalPurchases",
        },
    )
