package dev.tollgate.plugin.authjwt;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.SignedJWT;
import dev.tollgate.runtime.testing.TestingPluginContext;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The cost of checking one token with a key already in memory, without JMH: for an RS256 and an
 * HS256 token, {@link TokenValidator#validate} — parse, algorithm and key selection, signature,
 * claims, principal — run for a warm-up time, then timed over N calls in several rounds; prints
 * ns/op per round and the median. Then the two largest parts alone, to show where the time goes:
 * Nimbus parsing the compact form (header JSON included) and verifying the signature.
 * Single-threaded. Run by {@code bench/jwt.sh}.
 *
 * <pre>java … JwtValidationBenchmark [iterations per round, default 200000] [warm-up seconds, default 30] [rounds, default 5]</pre>
 */
public final class JwtValidationBenchmark {
    private JwtValidationBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        long warmUpSeconds = args.length > 1 ? Long.parseLong(args[1]) : 30;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;

        JwtSettings settings = JwtSettings.from(TestingPluginContext.componentConfig(JwtPlugin.class.getClassLoader(), "filters.jwt", "bench", """
                issuer = "%s", audiences = ["%s"]
                keys = [ { kid = hs-1, algorithm = HS256, secret = "%s" }
                         { kid = rsa-1, algorithm = RS256, public-key = \"""%s\""" } ]
                """.formatted(TestKeys.ISSUER, TestKeys.AUDIENCE, TestKeys.HMAC_SECRET, TestKeys.pem(TestKeys.RSA))), Path.of("").toAbsolutePath());
        TokenValidator validator = new TokenValidator(settings, List.of(), Clock.systemUTC());
        String rs256 = TestKeys.token(TestKeys.RSA, JWSAlgorithm.RS256);
        String hs256 = TestKeys.hmacToken("hs-1", TestKeys.claims().build());

        System.out.printf("JWT validation, one thread: %s, %s; %d calls per round, %d rounds after %d s of warm-up each%n",
                System.getProperty("java.vm.name"), System.getProperty("java.version"), iterations, rounds, warmUpSeconds);
        System.out.printf("token sizes: RS256 %d bytes, HS256 %d bytes%n", rs256.length(), hs256.length());
        for (String token : List.of(rs256, hs256)) {
            String name = token == rs256 ? "RS256" : "HS256";
            VerificationKey key = settings.keys().get(token == rs256 ? 1 : 0);
            SignedJWT parsed = validator.parse(token);
            report(name + " validate (whole check)", () -> validator.validate(token).toCompletableFuture().join().name().length(),
                    iterations, warmUpSeconds, rounds);
            report(name + "   of which parse", () -> validator.parse(token).getHeader().getAlgorithm().getName().length(),
                    iterations, warmUpSeconds / 3, rounds);
            report(name + "   of which signature", () -> parsed.verify(key.verifier()) ? 1 : 0, iterations, warmUpSeconds / 3, rounds);
        }
    }

    /** One measured operation; returns something to keep the JIT from removing it. */
    @FunctionalInterface
    private interface Operation {
        int run() throws Exception;
    }

    private static void report(String name, Operation operation, int iterations, long warmUpSeconds, int rounds) throws Exception {
        long warmUpEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmUpSeconds);
        long sink = 0;
        while (System.nanoTime() < warmUpEnd) {
            sink += operation.run();
        }
        double[] nanosPerOperation = new double[rounds];
        StringBuilder each = new StringBuilder();
        for (int round = 0; round < rounds; round++) {
            long start = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                sink += operation.run();
            }
            nanosPerOperation[round] = (System.nanoTime() - start) / (double) iterations;
            each.append(String.format(" %.0f", nanosPerOperation[round]));
        }
        Arrays.sort(nanosPerOperation);
        System.out.printf("%-32s median %7.0f ns/op  (rounds:%s)%s%n", name, nanosPerOperation[rounds / 2], each,
                sink == 42 ? " " : "");
    }
}
