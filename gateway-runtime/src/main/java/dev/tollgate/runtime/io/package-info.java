/**
 * The SPI's event loops ({@link dev.tollgate.api.io.EventLoop}) on Jetty's selectors: the
 * listeners' endpoints know the selector that reads them, and a plugin's channel registered on
 * one is handled by that selector's thread among the client connections.
 */
package dev.tollgate.runtime.io;
