package dev.tollgate.plugin.authjwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.typesafe.config.ConfigFactory;
import dev.tollgate.api.Principal;
import dev.tollgate.runtime.config.HoconConfig;
import dev.tollgate.runtime.plugin.PluginReference;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The jwt filter's check of one token with its key in memory: {@link TokenValidator#validate} —
 * parse, algorithm and key selection, signature, claims, principal — for an HS256 and an RS256
 * (2048-bit) token, configured as a route's {@code jwt} filter would be. In the plugin's package to
 * reach its validator; the plugin's own loop-timed figures are in bench/jwt.sh. A longer warm-up
 * than the other benchmarks: the signature and JSON code take longer to compile.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 4)
@Measurement(iterations = 4, time = 2)
public class JwtValidationBenchmark {
    private static final String ISSUER = "https://id.example.com";
    private static final String AUDIENCE = "tollgate";
    private static final String SECRET = "0123456789abcdef0123456789abcdef";

    private TokenValidator validator;
    private String hs256;
    private String rs256;

    @Setup
    public void build() throws JOSEException {
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(rsa.toPublicKey().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        String settings = """
                issuer = "%s", audiences = ["%s"]
                keys = [ { kid = hs-1, algorithm = HS256, secret = "%s" }
                         { kid = rsa-1, algorithm = RS256, public-key = \"""%s\""" } ]
                """.formatted(ISSUER, AUDIENCE, SECRET, pem);
        HoconConfig written = new HoconConfig(ConfigFactory.parseString(settings), "benchmark.filters.jwt", "jwt");
        HoconConfig validated = PluginReference.load(JwtPlugin.class.getClassLoader(), "auth-jwt").validate(written, "filters.jwt");
        validator = new TokenValidator(JwtSettings.from(validated, Path.of("").toAbsolutePath()), List.of(), Clock.systemUTC());
        hs256 = sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)), JWSAlgorithm.HS256, "hs-1");
        rs256 = sign(new RSASSASigner(rsa), JWSAlgorithm.RS256, "rsa-1");
        if (!hs256().name().equals("alice") || !rs256().name().equals("alice")) {
            throw new IllegalStateException("the benchmark's tokens are not accepted");
        }
    }

    private static String sign(JWSSigner signer, JWSAlgorithm algorithm, String kid) throws JOSEException {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject("alice")
                .claim("roles", List.of("admin", "reader"))
                .issueTime(Date.from(now.minusSeconds(5))).expirationTime(Date.from(now.plus(Duration.ofHours(2)))).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(kid).type(JOSEObjectType.JWT).build(), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    @Benchmark
    public Principal hs256() {
        return validator.validate(hs256).toCompletableFuture().join();
    }

    @Benchmark
    public Principal rs256() {
        return validator.validate(rs256).toCompletableFuture().join();
    }
}
