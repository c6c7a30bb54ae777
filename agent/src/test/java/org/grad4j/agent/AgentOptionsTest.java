package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class AgentOptionsTest {
    private static Properties props(String... kv) {
        Properties p = new Properties();
        for (int i = 0; i < kv.length; i += 2) p.setProperty(kv[i], kv[i + 1]);
        return p;
    }

    @Test
    void defaultsAreQuietAndDumpNothing() {
        for (String args : new String[] {null, "", " , ,"}) {
            AgentOptions o = AgentOptions.parse(args, props());
            assertNull(o.dumpDirectory());
            assertFalse(o.verbose());
            assertTrue(o.warnings().isEmpty());
        }
    }

    @Test
    void readsDumpAndVerbose() {
        AgentOptions o = AgentOptions.parse("dump=/tmp/g4j dump, verbose", props());
        assertEquals(Path.of("/tmp/g4j dump"), o.dumpDirectory());
        assertTrue(o.verbose());
        assertTrue(o.warnings().isEmpty());
        assertFalse(AgentOptions.parse("verbose=false", props()).verbose());
        assertTrue(AgentOptions.parse("VERBOSE=true", props()).verbose());
    }

    @Test
    void systemPropertiesApplyAndTheAgentStringWins() {
        AgentOptions fromProps = AgentOptions.parse(null, props("grad4j.dump", "out/gen", "grad4j.verbose", "true"));
        assertEquals(Path.of("out/gen"), fromProps.dumpDirectory());
        assertTrue(fromProps.verbose());

        AgentOptions overridden = AgentOptions.parse("dump=elsewhere,verbose=false",
                props("grad4j.dump", "out/gen", "grad4j.verbose", "true"));
        assertEquals(Path.of("elsewhere"), overridden.dumpDirectory());
        assertFalse(overridden.verbose());
    }

    @Test
    void mistakesBecomeWarningsNotFailures() {
        AgentOptions o = AgentOptions.parse("dump=,verbose=maybe,colour=blue", props("grad4j.verbose", "yes"));
        assertNull(o.dumpDirectory());
        assertFalse(o.verbose());
        assertEquals(4, o.warnings().size(), o.warnings().toString());
        assertTrue(o.warnings().get(3).contains("colour=blue"));
    }
}
