package org.grad4j.transformer.inline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which argument of a format string each conversion takes, as java.util.Formatter numbers them. */
class FormatArgumentsTest {
    @Test
    void ordinaryExplicitAndRelativeIndices() {
        assertEquals(Map.of(0, 's', 1, 'f', 2, 'd'), FormatArguments.conversions("%s at %.3f after %5d%n steps, 100%%"));
        assertEquals(Map.of(0, 'S', 1, 's'), FormatArguments.conversions("%2$s and %1$S"));
        assertEquals(Map.of(0, 'f', 1, 'e'), FormatArguments.conversions("%-10.2f %<+f %e"), "%<f takes the previous argument");
        assertEquals(Map.of(0, 't'), FormatArguments.conversions("%tY"));
        assertEquals(Map.of(0, '?'), FormatArguments.conversions("%s %<d"), "one argument given to two conversions is left alone");
        assertNull(FormatArguments.conversions("%<s"));
    }
}
