//! Prints what the detector finds in each argument (or each stdin line).
use apispm_detect::Detector;
use std::io::BufRead;

fn main() {
    let d = Detector::new();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lines: Vec<String> = if args.is_empty() {
        std::io::stdin()
            .lock()
            .lines()
            .map_while(Result::ok)
            .collect()
    } else {
        args
    };
    for l in lines {
        let found = d.detect(&l);
        let shown: Vec<String> = found
            .iter()
            .map(|x| {
                format!(
                    "{}/{} [{}..{}] {:?} {:?}",
                    x.kind.as_str(),
                    x.detail,
                    x.start,
                    x.end,
                    &l[x.start..x.end],
                    x.hint
                )
            })
            .collect();
        println!(
            "{l}\n   => {}",
            if shown.is_empty() {
                "-".to_string()
            } else {
                shown.join(" | ")
            }
        );
    }
}
