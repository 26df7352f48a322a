#!/usr/bin/env python3
"""A small CRI client for the e2e cases (Debian 12 has no crictl).

  cri.py [--timeout S] METHOD [REQUEST]   calls RuntimeService's or ImageService's METHOD
                                          (as named in cri.proto) with REQUEST, proto3 JSON
                                          (default {}), and prints the response as JSON
  cri.py [--timeout S] exec ID CMD...     ExecSync: CMD's stdout and stderr as they are, and
                                          its exit code as this program's
  cri.py get PATH                         reads JSON on stdin, prints the value at PATH
                                          ("status.state", "items.0.id"); nothing if absent

The messages come from cri.proto, compiled by protoc on first use into a folder keyed by
the file's hash. A failed call prints the gRPC status and exits 2. With CRI_TIMING=FILE each
call appends "METHOD SECONDS" to FILE: the call's own time, without this program's start
(about a second and a half in the emulated L1).
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO = os.path.join(HERE, "cri.proto")
SOCKET = os.environ.get("CRI_SOCKET", "/run/containerd/containerd.sock")
SERVICES = ("RuntimeService", "ImageService")


def compiled_module():
    """cri_pb2, compiled from cri.proto unless this version of it was compiled before."""
    with open(PROTO, "rb") as f:
        key = hashlib.sha256(f.read()).hexdigest()[:16]
    out = os.path.join(os.environ.get("TMPDIR", "/tmp"), "cri-py-" + key)
    if not os.path.exists(os.path.join(out, "cri_pb2.py")):
        tmp = out + ".%d" % os.getpid()
        os.makedirs(tmp)
        subprocess.run(["protoc", "--python_out=" + tmp, "-I", HERE, PROTO], check=True)
        try:
            os.rename(tmp, out)
        except OSError:  # another call compiled it meanwhile
            shutil.rmtree(tmp)
    sys.path.insert(0, out)
    import cri_pb2  # noqa: E402 (generated above)
    return cri_pb2


def find_method(pb, name):
    for service in SERVICES:
        method = pb.DESCRIPTOR.services_by_name[service].methods_by_name.get(name)
        if method is not None:
            return service, method
    sys.exit("cri.py: no method %s in %s" % (name, " or ".join(SERVICES)))


def call(name, request_json, timeout):
    import grpc
    from google.protobuf import json_format

    pb = compiled_module()
    service, method = find_method(pb, name)
    request_type = getattr(pb, method.input_type.name)
    response_type = getattr(pb, method.output_type.name)
    request = json_format.Parse(request_json, request_type())
    with grpc.insecure_channel("unix://" + SOCKET) as channel:
        stub = channel.unary_unary("/runtime.v1.%s/%s" % (service, name),
                                   request_serializer=request_type.SerializeToString,
                                   response_deserializer=response_type.FromString)
        try:
            started = time.monotonic()
            response = stub(request, timeout=timeout)
            if os.environ.get("CRI_TIMING"):
                with open(os.environ["CRI_TIMING"], "a") as f:
                    f.write("%s %.3f\n" % (name, time.monotonic() - started))
            return response
        except grpc.RpcError as e:
            print("cri.py: %s: %s: %s" % (name, e.code().name, e.details()), file=sys.stderr)
            sys.exit(2)


def get(path):
    try:
        value = json.load(sys.stdin)
    except ValueError:  # no response (the call failed): no value
        return
    for part in path.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return
    print(value if isinstance(value, str) else json.dumps(value))


def main(argv):
    timeout = 120.0
    if argv[:1] == ["--timeout"]:
        timeout, argv = float(argv[1]), argv[2:]
    if not argv:
        sys.exit(__doc__)
    if argv[0] == "get" and len(argv) == 2:
        return get(argv[1])
    if argv[0] == "exec" and len(argv) >= 3:
        request = json.dumps({"container_id": argv[1], "cmd": argv[2:], "timeout": int(timeout)})
        response = call("ExecSync", request, timeout + 10)
        sys.stdout.buffer.write(response.stdout)
        sys.stderr.buffer.write(response.stderr)
        sys.exit(response.exit_code)
    from google.protobuf import json_format
    response = call(argv[0], argv[1] if len(argv) > 1 else "{}", timeout)
    print(json_format.MessageToJson(response, preserving_proto_field_name=True))


if __name__ == "__main__":
    main(sys.argv[1:])
