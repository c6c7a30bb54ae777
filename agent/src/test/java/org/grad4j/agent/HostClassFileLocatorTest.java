package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HostClassFileLocatorTest {
    private final ClassLoader loader = getClass().getClassLoader();
    private final RecordedClasses recorded = new RecordedClasses();
    private final List<Class<?>> retransformed = new ArrayList<>();

    private HostClassFileLocator locator() {
        return new HostClassFileLocator(loader, recorded, type -> {
            retransformed.add(type);
            return new byte[] {42};
        });
    }

    @Test
    void recordedBytesComeFirst() {
        // recorded bytes of the class asked for (here a variant with one more method than the resource)
        byte[] variant = TestClasses.classWithStaticMethod("org/grad4j/agent/Plain", "java/lang/Object", "f", 7.0);
        recorded.put(loader, "org/grad4j/agent/Plain", variant);
        assertArrayEquals(variant, locator().bytesOf("org/grad4j/agent/Plain"));
        assertEquals(List.of(), retransformed);
    }

    @Test
    void recordedBytesThatAreNotTheClassAskedForArePassedOver() {
        // e.g. junk a loader was offered under that name and refused, before the real class was defined
        recorded.put(loader, "org/grad4j/agent/Plain", new byte[] {7, 'L', 'o', 'r', 'g'});
        assertArrayEquals(TestClasses.bytesOf(Plain.class), locator().bytesOf("org/grad4j/agent/Plain"));
    }

    @Test
    void thenTheLoadersResources() {
        // a lambda's body lives in a class with no @Differentiable method: never recorded
        assertArrayEquals(TestClasses.bytesOf(Plain.class), locator().bytesOf("org/grad4j/agent/Plain"));
        assertArrayEquals(TestClasses.bytesOf(Object.class), locator().bytesOf("java/lang/Object"));
        assertEquals(List.of(), retransformed);
    }

    @Test
    void thenARetransformationOfTheLoadedClass() throws Exception {
        String name = TestClasses.freshName("FromMemory");
        Class<?> fromMemory = MethodHandles.lookup().defineClass(
                TestClasses.classWithStaticMethod(name, "java/lang/Object", "f", 0));
        HostClassFileLocator locator = locator();
        assertArrayEquals(new byte[] {42}, locator.bytesOf(name));
        assertArrayEquals(new byte[] {42}, locator.bytesOf(name));
        assertEquals(List.of(fromMemory), retransformed, "asked once: answers are remembered");
    }

    @Test
    void unknownClassesAreNull() {
        HostClassFileLocator locator = locator();
        assertNull(locator.bytesOf("no/such/Thing"));
        assertNull(locator.bytesOf("[D"));
        assertNull(locator.bytesOf(""));
        assertNull(new HostClassFileLocator(loader, recorded, null).bytesOf("no/such/Thing"));
        assertEquals(List.of(), retransformed);
    }

    @Test
    void rememberedBytesAreShared() {
        HostClassFileLocator locator = locator();
        assertSame(locator.bytesOf("org/grad4j/agent/Plain"), locator.bytesOf("org/grad4j/agent/Plain"));
    }
}
