# Builds a minimal pure-Python wheel (a module, METADATA, WHEEL, RECORD) for the
# forward-auth end-to-end tests: python3 wheel.py NAME VERSION OUTDIR; prints its path.
import base64, hashlib, sys, zipfile
name, version, out = sys.argv[1:4]
info = f"{name}-{version}.dist-info"
files = {
    f"{name}/__init__.py": f"VERSION = {version!r}\n",
    f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: {version}\nSummary: regauth test package\n",
    f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: regauth-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
def digest(text):
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
record = [f"{p},sha256={digest(c)},{len(c.encode())}" for p, c in files.items()]
files[f"{info}/RECORD"] = "\n".join(record + [f"{info}/RECORD,,"]) + "\n"
path = f"{out}/{name}-{version}-py3-none-any.whl"
with zipfile.ZipFile(path, "w") as wheel:
    for p, c in files.items():
        wheel.writestr(p, c)
print(path)
