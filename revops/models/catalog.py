"""What an organization sells: product lines and the products in them."""

from decimal import Decimal

from django.db import models

from revops.models.base import OrganizationOwnedModel


class ProductLine(OrganizationOwnedModel):
    """A family of products reported together (e.g. Analytics, Platform)."""

    name = models.CharField(max_length=120)
    code = models.SlugField(max_length=40)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="productline_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name


class Product(OrganizationOwnedModel):
    """A sellable item with a list price."""

    product_line = models.ForeignKey(ProductLine, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=160)
    sku = models.CharField(max_length=60)
    list_price = models.DecimalField(max_digits=18, decimal_places=2, default=Decimal("0"))
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "sku"], name="product_unique_sku"),
            models.CheckConstraint(condition=models.Q(list_price__gte=0), name="product_list_price_gte_0"),
        ]

    def __str__(self) -> str:
        return self.name
