package dev.tollgate.plugin.authservice.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** RFC 6750 challenges, and error descriptions that are safe to send. */
class ChallengesTest {

    @Test
    void challenges() {
        assertThat(Challenges.missingToken("api")).isEqualTo("Bearer realm=\"api\"");
        assertThat(Challenges.invalidToken("api", "expired"))
                .isEqualTo("Bearer realm=\"api\", error=\"invalid_token\", error_description=\"expired\"");
    }

    @Test
    void theTokenIsNeverRepeatedEvenIfTheServiceQuotesIt() {
        assertThat(Challenges.description("token abc.def is revoked (abc.def)", "abc.def")).isEqualTo("token [token] is revoked ([token])");
    }

    @Test
    void charactersOutsideTheGrammarBecomeSpacesAndLongReasonsAreCut() {
        assertThat(Challenges.description("say \"no\"\\\r\nnow é", "t")).isEqualTo("say  no    now");
        assertThat(Challenges.description("x".repeat(500), "t")).hasSize(Challenges.MAX_DESCRIPTION);
    }

    @Test
    void anEmptyReasonGetsAGenericDescription() {
        assertThat(Challenges.description("", "t")).isEqualTo("the token is not valid");
        assertThat(Challenges.description(" \n ", "t")).isEqualTo("the token is not valid");
    }
}
