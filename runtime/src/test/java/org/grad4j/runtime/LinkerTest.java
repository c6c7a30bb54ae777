package org.grad4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.invoke.CallSite;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.grad4j.TransformException;
import org.junit.jupiter.api.Test;

/** The bootstraps of generated code's calls. */
class LinkerTest {

    /**
     * A callee that cannot be differentiated: its refusal is thrown where the call runs, each
     * time, as itself (out of a bootstrap the JVM would wrap it in a BootstrapMethodError, and on a
     * second run throw one without the refusal).
     */
    @Test
    void aRefusedCalleeThrowsItsRefusalAtEveryCall() throws Throwable {
        Object before = System.getProperties().get(Bridge.KEY);
        Bridge.install((owner, nameAndDescriptor) -> {
            throw new TransformException("grad4j cannot differentiate " + owner.getName() + "." + nameAndDescriptor);
        });
        try {
            MethodType type = MethodType.methodType(double.class, double.class);
            CallSite site = Linker.differentiable(MethodHandles.lookup(), "sin", type, "java.lang.Math", "sin", "(D)D");
            for (int call = 0; call < 2; call++) {
                TransformException e = assertThrows(TransformException.class, () -> {
                    double ignored = (double) site.dynamicInvoker().invokeExact(0.5);
                });
                assertEquals("grad4j cannot differentiate java.lang.Math.sin(D)D", e.getMessage());
            }
        } finally {
            if (before == null) System.getProperties().remove(Bridge.KEY);
            else System.getProperties().put(Bridge.KEY, before);
        }
    }
}
