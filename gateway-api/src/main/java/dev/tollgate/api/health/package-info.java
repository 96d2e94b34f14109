/** Health reporting for {@code /health}, {@code /health/ready}. */
package dev.tollgate.api.health;
