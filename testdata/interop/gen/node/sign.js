// Drives the npm signer (@signpdf) for the interoperability fixtures in
// testdata/interop; run by internal/testpdf/cmd/geninterop, never by tests.
//
//   node sign.js versions
//   node sign.js base OUT --font TTF
//       one page with Vietnamese text in the TrueType font (pdf-lib, no
//       object streams: @signpdf/placeholder-plain reads only classic xref)
//   node sign.js sign IN OUT --p12 FILE --pass PW [--rect x1,y1,x2,y2]
//       [--reason R] [--location L] [--name N]
//       adds a signature placeholder as an incremental update
//       (@signpdf/placeholder-plain) and signs it (@signpdf/signer-p12)
'use strict';

const fs = require('fs');
const path = require('path');
const { PDFDocument, rgb } = require('pdf-lib');
const fontkit = require('@pdf-lib/fontkit');
const { plainAddPlaceholder } = require('@signpdf/placeholder-plain');
const { P12Signer } = require('@signpdf/signer-p12');
const signpdf = require('@signpdf/signpdf').default;

function parse(argv) {
  const pos = [];
  const opts = {};
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const k = a.slice(2);
      if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
        opts[k] = argv[i + 1];
        i += 1;
      } else {
        opts[k] = '';
      }
    } else {
      pos.push(a);
    }
  }
  return { pos, opts };
}

function version(pkg) {
  const file = path.join(__dirname, 'node_modules', pkg, 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

const LINES = [
  'PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ',
  'Mã hồ sơ: 000.00.12.G05-261207-0001',
  'Thủ tục: Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam',
  'Người nộp: Nguyễn Văn An — Số CCCD: 035099012345',
  'Cơ quan giải quyết: Sở Tư pháp tỉnh Hà Nam',
  'Ngày hẹn trả kết quả: 17/12/2026',
];

async function base(out, fontPath) {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const font = await doc.embedFont(fs.readFileSync(fontPath), { subset: true });
  const page = doc.addPage([595.28, 841.89]);
  let y = 770;
  const lines = LINES.concat([`Tệp mẫu kiểm thử khả năng tương thích, tạo bằng pdf-lib ${version('pdf-lib')}.`]);
  for (const line of lines) {
    page.drawText(line, { x: 60, y, size: 13, font, color: rgb(0, 0, 0) });
    y -= 20;
  }
  doc.setTitle('Phiếu tiếp nhận hồ sơ');
  fs.writeFileSync(out, await doc.save({ useObjectStreams: false }));
}

async function sign(input, out, o) {
  const rect = o.rect ? o.rect.split(',').map(Number) : [0, 0, 0, 0];
  const withPlaceholder = plainAddPlaceholder({
    pdfBuffer: fs.readFileSync(input),
    reason: o.reason || 'Ký duyệt',
    contactInfo: '',
    name: o.name || '',
    location: o.location || 'Hà Nam',
    widgetRect: rect,
  });
  const signer = new P12Signer(fs.readFileSync(o.p12), { passphrase: o.pass || '' });
  fs.writeFileSync(out, await signpdf.sign(withPlaceholder, signer));
}

async function main() {
  const [cmd, ...rest] = process.argv.slice(2);
  const { pos, opts } = parse(rest);
  switch (cmd) {
    case 'versions': {
      const v = {};
      for (const p of ['@signpdf/signpdf', '@signpdf/placeholder-plain', '@signpdf/signer-p12', '@signpdf/utils', 'node-forge', 'pdf-lib', '@pdf-lib/fontkit']) {
        v[p] = version(p);
      }
      v.node = process.version;
      process.stdout.write(`${JSON.stringify(v)}\n`);
      break;
    }
    case 'base':
      await base(pos[0], opts.font);
      break;
    case 'sign':
      await sign(pos[0], pos[1], opts);
      break;
    default:
      throw new Error(`unknown command ${cmd}`);
  }
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
