# Regenerates the error-code table in README.md from exam/src/error.rs (run from the repository root).
# tests/it/architecture.rs checks that the two agree.
import re,sys
e=open('exam/src/error.rs').read()
codes=re.findall(r'^\s+(\w+) = "([a-z_.]+)": "([^"]+)",', e, re.M)
rows='\n'.join(f'| `{c}` | {d} |' for _,c,d in codes)
p='README.md'
s=open(p).read()
i=s.index('| code | meaning |\n|---|---|\n')+len('| code | meaning |\n|---|---|\n')
j=s.index('\n\n', i)
s=s[:i]+rows+s[j:]
open(p,'w').write(s)
print(len(codes))
