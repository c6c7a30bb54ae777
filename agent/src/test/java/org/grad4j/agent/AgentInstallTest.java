package org.grad4j.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandles;
import org.grad4j.TransformException;
import org.grad4j.runtime.Bridge;
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
    void refusalsFromTheTransformerReachTheCaller() {
        Grad4jAgent.install();
        // synchronized differentiable code is refused (DESIGN §4); the stub transformer refuses everything
        assertThrows(TransformException.class, () -> Bridge.entryOf(Annotated.class, "locked", "(D)D"));
    }
}
