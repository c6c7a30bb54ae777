package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RecordingTransformerTest {
    private final RecordedClasses recorded = new RecordedClasses();
    private final RecordingTransformer transformer = new RecordingTransformer(recorded);
    private final ClassLoader loader = getClass().getClassLoader();

    @Test
    void recordsAnnotatedClassesAndChangesNothing() {
        byte[] bytes = TestClasses.bytesOf(Annotated.class);
        assertNull(transformer.transform(loader, "org/grad4j/agent/Annotated", null, null, bytes));
        byte[] kept = recorded.get(loader, "org/grad4j/agent/Annotated");
        assertArrayEquals(bytes, kept);
        assertNotSame(bytes, kept);
        bytes[0] = 0; // the JVM's buffer is not what was kept
        assertEquals((byte) 0xCA, recorded.get(loader, "org/grad4j/agent/Annotated")[0]);
    }

    @Test
    void ignoresOtherClasses() {
        assertNull(transformer.transform(loader, "org/grad4j/agent/Plain", null, null, TestClasses.bytesOf(Plain.class)));
        assertNull(transformer.transform(null, "java/lang/String", null, null, TestClasses.bytesOf(String.class)));
        assertEquals(0, recorded.size());
    }

    @Test
    void neverThrowsOnOddInput() {
        Random random = new Random(7);
        for (int i = 0; i < 500; i++) {
            byte[] garbage = new byte[random.nextInt(100)];
            random.nextBytes(garbage);
            assertNull(transformer.transform(loader, "x/Y" + i, null, null, garbage));
        }
        assertNull(transformer.transform(loader, null, null, null, DifferentiableScan.PATTERN)); // no name
        assertNull(transformer.transform(loader, "x/Z", null, null, null));
        assertNull(transformer.transform(loader, "x/Z", String.class, null, null));
        assertEquals(0, recorded.size());
    }

    @Test
    void findLooksInParentLoaders() {
        ClassLoader child = new ClassLoader(loader) {};
        recorded.put(loader, "a/B", new byte[] {1});
        assertArrayEquals(new byte[] {1}, recorded.find(child, "a/B"));
        assertNull(recorded.get(child, "a/B"));
        recorded.put(null, "java/lang/Boot", new byte[] {2});
        assertArrayEquals(new byte[] {2}, recorded.find(child, "java/lang/Boot"));
        assertNull(recorded.find(child, "a/C"));
    }
}
