package dev.servicekit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** What a route checks when it is declared, so a route no caller could reach fails the start, not every request. */
class RouteTest {

    private static Route hello() {
        return Route.get("/hello", (req, res) -> res.send("hello"));
    }

    @Test
    void scopesWrittenAsOneSpaceSeparatedStringAreRefusedWithTheCallThatWasMeant() {
        // As the token command's --scope "notes:read notes:write" is written; no token holds one scope with a space.
        assertThatThrownBy(() -> hello().requireScopes("notes:read notes:write"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Route GET /hello requires the scope \"notes:read notes:write\", which no token holds: a"
                        + " token's scopes are separated by spaces; pass each scope as its own argument, e.g."
                        + " requireScopes(\"notes:read\", \"notes:write\")");
    }

    @Test
    void aBlankScopeIsRefused() {
        assertThatThrownBy(() -> hello().requireScopes(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Route GET /hello requires a blank scope, which no token holds");
        assertThatThrownBy(() -> hello().requireScopes("notes:read", " ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void requireScopesReplacesTheScopesRequiredBefore() {
        assertThat(hello().requireScopes("a").requireScopes("b", "c").scopes()).containsExactlyInAnyOrder("b", "c");
        assertThat(hello().requireScopes().scopes()).isEmpty();
    }
}
