"""Billing's errors at the payment-provider boundary. Every provider raises these (its own
subclasses may add detail): worth trying again later (RetryableError), refused (TerminalError),
or an object the provider does not know. The webhook pipeline and checkout decide on these
alone, whichever provider is behind them."""

from apps.core.errors import ApplicationError, RetryableError, TerminalError


class PaymentProviderError(ApplicationError):
    """A call to a payment provider failed."""

    retryable = False

    def __init__(self, message: str, *, request_id: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.request_id = request_id
        self.code = code


class PaymentProviderUnavailable(PaymentProviderError, RetryableError):
    """Network trouble, rate limit or a provider-side error: try again later."""

    retryable = True


class PaymentProviderRejected(PaymentProviderError, TerminalError):
    """The provider refused the request (bad parameters, bad key, missing object)."""


class PaymentProviderNotFound(PaymentProviderRejected):
    """The provider has no such object (an id it did not hand out)."""


class CheckoutRefused(ApplicationError):
    """Checkout said no before creating an order (the product refused the customer's choice of
    where the purchase goes): nothing was charged; the message is for the customer."""
