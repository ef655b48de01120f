"""The Stripe fields of Order and BillingProfile, and the StripeEvent table, now live in Payment,
ProviderCustomer and ProviderEvent rows (0009 copied them)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("billing", "0009_payments_copy")]

    operations = [
        migrations.RemoveConstraint(model_name="order", name="billing_order_session_unique"),
        migrations.RemoveConstraint(model_name="billingprofile", name="billing_profile_stripe_customer_unique"),
        migrations.RemoveField(model_name="order", name="stripe_checkout_session_id"),
        migrations.RemoveField(model_name="order", name="stripe_payment_intent_id"),
        migrations.RemoveField(model_name="order", name="stripe_customer_id"),
        migrations.RemoveField(model_name="order", name="checkout_url"),
        migrations.RemoveField(model_name="order", name="payment_status"),
        migrations.RemoveField(model_name="order", name="amount_paid"),
        migrations.RemoveField(model_name="billingprofile", name="stripe_customer_id"),
        migrations.DeleteModel(name="StripeEvent"),
    ]
