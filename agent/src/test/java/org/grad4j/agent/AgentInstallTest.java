package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandles;
import org.grad4j.TransformException;
import org.grad4j.runtime.Bridge;
import org.grad4j.transformer.ClassFileLocator;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;

/** The agent started in this JVM by self-attach, as {@code AD.install()} will do. */
class AgentInstallTest {

    @Test
    void installAttachesOnceAndPublishesTheBridge() {
        Grad4jAgent.install();
        Instrumentation inst = Grad4jAgent.instrumentation();
        assertNotNull(inst);
        assertTrue(Bridge.installed());
        Grad4jAgent.install();
        Grad4jAgent.agentmain("verbose", inst); // a second start is a no-op
        assertSame(inst, Grad4jAgent.instrumentation());
    }

    @Test
    void retransformationCapturesBytesOfClassesWithoutAResource() throws Exception {
        Grad4jAgent.install();
        Instrumentation inst = Grad4jAgent.instrumentation();
        String name = TestClasses.freshName("Captured");
        Class<?> type = MethodHandles.lookup().defineClass(
                TestClasses.classWithStaticMethod(name, "java/lang/Object", "f", 3.0));
        RecordingTransformer recorder = new RecordingTransformer(new RecordedClasses());
        inst.addTransformer(recorder, true);
        try {
            byte[] bytes = recorder.capture(inst, type);
            assertNotNull(bytes);
            assertEquals(name, new ClassReader(bytes).getClassName());
            assertEquals(null, recorder.capture(inst, int.class), "not modifiable");
        } finally {
            inst.removeTransformer(recorder);
        }
    }

    @Test
    void theAgentsLocatorFindsRecordedBytesThenRetransformsTheRest() {
        Grad4jAgent.install();
        TestClasses.MemoryLoader loader = new TestClasses.MemoryLoader(getClass().getClassLoader());
        String annotated = TestClasses.freshName("Recorded");
        byte[] annotatedBytes = TestClasses.classWithStaticMethod(annotated, "java/lang/Object", "f", 1.0, true);
        String plain = TestClasses.freshName("NotRecorded");
        loader.define(annotatedBytes);
        loader.define(TestClasses.classWithStaticMethod(plain, "java/lang/Object", "f", 2.0, false));
        assertNull(loader.getResource(annotated + ".class"));

        ClassFileLocator locator = Grad4jAgent.locatorFor(loader);
        assertArrayEquals(annotatedBytes, locator.bytesOf(annotated), "recorded at load time");
        byte[] plainBytes = locator.bytesOf(plain);
        assertNotNull(plainBytes, "captured by retransformation");
        assertEquals(plain, new ClassReader(plainBytes).getClassName());
        assertNull(locator.bytesOf(TestClasses.freshName("NeverLoaded")));
    }

    @Test
    void refusalsFromTheTransformerReachTheCaller() {
        Grad4jAgent.install();
        // synchronized differentiable code is refused (DESIGN §4); the stub transformer refuses everything
        assertThrows(TransformException.class, () -> Bridge.entryOf(Annotated.class, "locked", "(D)D"));
    }
}
