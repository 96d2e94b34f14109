package dev.tollgate.plugin.websockethub;

import dev.tollgate.runtime.testing.TestGateway;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One gateway with {@link HubGateways#STANDARD} for all the tests of a class:
 * {@code @RegisterExtension static final StandardGateway GATEWAY = new StandardGateway();}.
 */
final class StandardGateway implements BeforeAllCallback, AfterAllCallback {
    private TestGateway gateway;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        gateway = HubGateways.start(HubGateways.STANDARD);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        gateway.close();
    }

    /** The running gateway. */
    TestGateway get() {
        return gateway;
    }
}
