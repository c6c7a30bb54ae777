package org.grad4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.grad4j.GradientException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WorkerSettingsTest {
    @Test
    void sizesWithSuffixes() {
        assertEquals(1048576, WorkerSettings.parseSize("1048576", "p"));
        assertEquals(512L << 10, WorkerSettings.parseSize("512k", "p"));
        assertEquals(512L << 20, WorkerSettings.parseSize("512m", "p"));
        assertEquals(512L << 20, WorkerSettings.parseSize("512MB", "p"));
        assertEquals(4L << 30, WorkerSettings.parseSize("4g", "p"));
        assertEquals(2L << 30, WorkerSettings.parseSize(" 2G ", "p"));
        assertEquals(1L << 40, WorkerSettings.parseSize("1t", "p"));
        assertEquals(64L << 10, WorkerSettings.parseSize("64kb", "p"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "g", "abc", "-1m", "0", "12x", "1.5g", "99999999999t"})
    void badSizesNameThePropertyAndShowAnExample(String text) {
        GradientException e = assertThrows(GradientException.class,
                () -> WorkerSettings.parseSize(text, WorkerSettings.STACK_PROPERTY));
        assertTrue(e.getMessage().contains("-Dgrad4j.stack=" + text) && e.getMessage().contains("512m"), e.getMessage());
    }

    @Test
    void defaultsAndProperties() {
        String savedStack = System.getProperty(WorkerSettings.STACK_PROPERTY);
        String savedWorkers = System.getProperty(WorkerSettings.WORKERS_PROPERTY);
        try {
            System.clearProperty(WorkerSettings.STACK_PROPERTY);
            System.clearProperty(WorkerSettings.WORKERS_PROPERTY);
            WorkerSettings d = WorkerSettings.fromSystemProperties();
            assertEquals(2L << 30, d.stackBytes());
            assertTrue(d.maxWorkers() >= 2 && d.maxWorkers() <= 8);
            assertEquals((long) ((2L << 30) * 0.8), d.stackBudgetBytes());
            System.setProperty(WorkerSettings.STACK_PROPERTY, "256m");
            System.setProperty(WorkerSettings.WORKERS_PROPERTY, "3");
            WorkerSettings s = WorkerSettings.fromSystemProperties();
            assertEquals(256L << 20, s.stackBytes());
            assertEquals(3, s.maxWorkers());
            System.setProperty(WorkerSettings.WORKERS_PROPERTY, "many");
            assertThrows(GradientException.class, WorkerSettings::fromSystemProperties);
        } finally {
            restore(WorkerSettings.STACK_PROPERTY, savedStack);
            restore(WorkerSettings.WORKERS_PROPERTY, savedWorkers);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }

    @Test
    void tooSmallIsRefused() {
        assertThrows(GradientException.class, () -> new WorkerSettings(1024, 1));
        assertThrows(GradientException.class, () -> new WorkerSettings(1 << 20, 0));
    }
}
